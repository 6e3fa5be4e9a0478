/**
 * Helpers for end-to-end tests: spawn the real CLI, find free ports, wait for
 * readiness, and make sure no process outlives its test.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { join } from "node:path";
import {
  exportCases,
  freePort,
  GENERATED_EXPORT,
  HAS_REAL_EXPORT,
  REAL_EXPORT,
  waitUntil,
  writeExportShaped,
} from "../_helpers.ts";
export {
  exportCases,
  freePort,
  GENERATED_EXPORT,
  HAS_REAL_EXPORT,
  REAL_EXPORT,
  waitUntil,
  writeExportShaped,
};

/** The repository root. */
export const ROOT = fromFileUrl(new URL("../../", import.meta.url));

/** An address a role names in its startup line: the broker's TCP port, its admin API, a query API. */
export type Bound = "tcp" | "admin" | "api";

/** The flag that sets each {@linkcode Bound} address's port. */
export const PORT_FLAGS: Readonly<Record<Bound, string>> = {
  tcp: "--port",
  admin: "--admin-port",
  api: "--api-port",
};

/** The startup lines that name bound addresses: `broker listening`, `collector storing`, `api serving`. */
const STARTUP = /^(?:\S+ \S+ +(?:\[[^\]]*\] )?)?(broker listening|collector storing|api serving) /;

/**
 * The ports named by the roles' startup lines in `output`, in either log
 * format: `tcp=127.0.0.1:4222 admin=http://127.0.0.1:9090` (text) or
 * `{"msg":"broker listening","tcp":"127.0.0.1:4222",…}` (`--log-format json`).
 */
export function boundPorts(output: string): Partial<Record<Bound, number>> {
  const found: Partial<Record<Bound, number>> = {};
  const take = (name: string, address: unknown) => {
    const port = /:(\d+)(?:\/|$| )/.exec(String(address))?.[1];
    if (name in PORT_FLAGS && port !== undefined) found[name as Bound] = Number(port);
  };
  for (const line of output.split("\n")) {
    if (line.startsWith("{")) {
      const fields = (() => {
        try {
          return JSON.parse(line);
        } catch {
          return undefined;
        }
      })();
      if (!STARTUP.test(`${fields?.msg} `)) continue;
      for (const name of Object.keys(PORT_FLAGS)) if (name in fields) take(name, fields[name]);
    } else if (STARTUP.test(line)) {
      for (const m of line.matchAll(/ (tcp|admin|api)=("[^"]*"|\S+)/g)) {
        take(m[1], m[2].replaceAll('"', ""));
      }
    }
  }
  return found;
}

/** Where a spawned process writes its coverage profile: `deno task coverage` sets it apart from the tests' own. */
function coverageEnv(): Record<string, string> {
  const dir = Deno.env.get("GPUTEL_SPAWNED_COVERAGE_DIR");
  return dir === undefined ? {} : { DENO_COVERAGE_DIR: dir };
}

/** A spawned gputel process whose output is captured. */
export class Gputel implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly args: string[];
  #out: string[] = [];
  #pumps: Promise<void>[];
  #status: Promise<Deno.CommandStatus>;
  #exited = false;

  /**
   * Spawns `deno run -A main.ts ...args` in the repository root; with
   * `nofile`, under `ulimit -n nofile`.
   */
  constructor(args: string[], env: Record<string, string> = {}, options: { nofile?: number } = {}) {
    this.args = args;
    const deno = [Deno.execPath(), "run", "--allow-all", "main.ts", ...args];
    const [cmd, ...argv] = options.nofile === undefined
      ? deno
      : ["bash", "-c", `ulimit -n ${options.nofile}; exec "$@"`, "bash", ...deno];
    this.child = new Deno.Command(cmd, {
      args: argv,
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      env: { ...coverageEnv(), ...env },
    }).spawn();
    this.#pumps = [this.#pump(this.child.stdout), this.#pump(this.child.stderr)];
    this.#status = this.child.status.finally(() => (this.#exited = true));
  }

  /**
   * Waits until the startup lines name every address in `names` (roles bound
   * to port 0 report the port they got) and returns their ports. Throws with
   * the output if the process exits first or `timeoutMs` passes.
   */
  async bound<K extends Bound>(
    names: readonly K[],
    timeoutMs = 30_000,
  ): Promise<Record<K, number>> {
    const missing = () => names.filter((n) => boundPorts(this.output)[n] === undefined);
    await waitUntil(`${this.args[0]} to name its ${names.join(", ")} address`, () => {
      if (missing().length > 0 && this.#exited) {
        throw new Error(
          `${this.args.join(" ")} exited before naming ${missing()}:\n${this.output}`,
        );
      }
      return missing().length === 0;
    }, timeoutMs).catch((err) => {
      throw new Error(`${err.message}; output:\n${this.output}`);
    });
    return boundPorts(this.output) as Record<K, number>;
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) this.#out.push(chunk);
  }

  /** Everything written to stdout and stderr so far. */
  get output(): string {
    return this.#out.join("");
  }

  /** Waits for exit; returns the code and the full output. */
  async wait(): Promise<{ code: number; output: string }> {
    const s = await this.#status;
    await Promise.all(this.#pumps);
    return { code: s.code, output: this.output };
  }

  /** Sends a signal if still running. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.child.kill(signal);
    } catch {
      // already exited
    }
  }

  /** SIGKILLs if still running and reaps the process. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.wait();
  }
}

/**
 * Runs `gputel stream --csv csv --rate 0 --no-loop --broker 127.0.0.1:port`
 * plus `flags` to its end, checks that it exited 0, and returns its output.
 */
export async function streamOnce(
  csv: string,
  port: number,
  flags: string[] = [],
  env: Record<string, string> = {},
): Promise<string> {
  const stream = new Gputel([
    ...["stream", "--csv", csv, "--rate", "0", "--no-loop", "--broker", `127.0.0.1:${port}`],
    ...flags,
  ], env);
  const { code, output } = await stream.wait();
  if (code !== 0) throw new Error(`stream exited ${code}:\n${output}`);
  return output;
}

/** Polls `url` until it answers 200, or throws after `timeoutMs` with `proc`'s output. */
export async function waitForHttp(url: string, proc: Gputel, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms; output:\n${proc.output}`);
}

/** Every line of every `*.jsonl` file under `dir` (recursively). */
export async function jsonlLines(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.name.endsWith(".jsonl")) {
        const text = await Deno.readTextFile(p);
        lines.push(...text.split("\n").filter((l) => l.length > 0));
      }
    }
  };
  await walk(dir);
  return lines;
}

/** GET a JSON document. */
export async function getJson<T = unknown>(url: string): Promise<T> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url} → ${r.status}: ${await r.text()}`);
  return await r.json() as T;
}

/** What {@linkcode consumeIds} saw. */
export interface IdCounts {
  /** How often each id 0..total-1 arrived. */
  counts: Uint8Array;
  /** Ids that arrived at least once. */
  distinct: number;
}

/**
 * Consumes and acks until every id 0..total-1 (a big-endian u32 at the start
 * of each payload) has arrived, or `timeoutMs` passes: a lost message fails
 * the caller's assertion instead of hanging the test.
 */
export async function consumeIds(
  sub: {
    deliveries(): AsyncIterable<
      { partition: number; end: number; messages: { payload: Uint8Array }[] }
    >;
    ack(p: number, upTo: number): void;
    close(): Promise<void>;
  },
  total: number,
  timeoutMs = 60_000,
): Promise<IdCounts> {
  const counts = new Uint8Array(total);
  let distinct = 0;
  const deadline = setTimeout(() => void sub.close(), timeoutMs);
  try {
    for await (const d of sub.deliveries()) {
      for (const m of d.messages) {
        const i = new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0);
        if (counts[i]++ === 0) distinct++;
      }
      sub.ack(d.partition, d.end);
      if (distinct === total) break;
    }
  } finally {
    clearTimeout(deadline);
  }
  return { counts, distinct };
}

/** A spawned role and the ports it bound. */
export type Started<K extends Bound> = { proc: Gputel } & Record<K, number>;

/** How {@linkcode startRole} spawns and waits. */
export interface RoleOptions {
  /** Environment of the process. */
  env?: Record<string, string>;
  /** Wait until its admin and query APIs answer over HTTP (not for HTTPS servers). @default true */
  health?: boolean;
  /** Deadline of each wait. @default 30 s for the startup line, 20 s for each API */
  timeoutMs?: number;
  /** Run under `ulimit -n nofile`. */
  nofile?: number;
}

/**
 * Spawns `gputel ...args`, binding port 0 for each address in `names` whose
 * flag `args` does not set. {@linkcode roleReady} then reads the ports it got.
 */
export function spawnRole(args: string[], names: readonly Bound[], options: RoleOptions = {}) {
  const unset = names.filter((n) => !args.includes(PORT_FLAGS[n]));
  const zeros = unset.flatMap((n) => [PORT_FLAGS[n], "0"]);
  return new Gputel([...args, ...zeros], options.env, { nofile: options.nofile });
}

/**
 * Reads the ports `proc` got from its startup lines (no free-port guess, so
 * no race with other tests under `--parallel`) and, unless `health` is
 * false, waits until its admin and query APIs answer over HTTP.
 */
export async function roleReady<K extends Bound>(
  proc: Gputel,
  names: readonly K[],
  options: RoleOptions = {},
): Promise<Record<K, number>> {
  const ports = await proc.bound(names, options.timeoutMs);
  for (const n of names) {
    if (n === "tcp" || options.health === false) continue;
    await waitForHttp(`http://127.0.0.1:${ports[n]}/health`, proc, options.timeoutMs);
  }
  return ports;
}

/**
 * {@linkcode spawnRole} then {@linkcode roleReady}; the process is killed if
 * it does not get ready. The caller owns the process.
 */
export async function startRole<K extends Bound>(
  args: string[],
  names: readonly K[],
  options: RoleOptions = {},
): Promise<Started<K>> {
  const proc = spawnRole(args, names, options);
  try {
    return { proc, ...await roleReady(proc, names, options) };
  } catch (err) {
    await proc[Symbol.asyncDispose]();
    throw err;
  }
}

/** A spawned `gputel broker,collect` and its ports. */
export interface AllInOne {
  proc: Gputel;
  port: number;
  admin: number;
  api: number;
}

/**
 * Spawns `gputel broker,collect` with its data in `dir` on port 0, plus
 * `flags`. Unless `wait` is false (HTTPS servers), waits until its admin and
 * query APIs answer over HTTP. The caller owns the process.
 */
export async function startAllInOne(
  dir: string,
  flags: string[] = [],
  options: { env?: Record<string, string>; wait?: boolean } = {},
): Promise<AllInOne> {
  const { proc, tcp, admin, api } = await startRole(
    ["broker,collect", "--data-dir", dir, ...flags],
    ["tcp", "admin", "api"],
    { env: options.env, health: options.wait },
  );
  return { proc, port: tcp, admin, api };
}

/** A broker (restartable on the same ports and data) and a collector, data under one root. */
export interface BrokerAndCollector {
  port: number;
  admin: number;
  api: number;
  collector: Gputel;
  /** Starts the broker again on the ports it first got, and waits for its admin API. */
  startBroker(): Promise<Gputel>;
}

/**
 * Starts `gputel broker` (data in `root/b`) and `gputel collect` (data in
 * `root/c`) on port 0 and waits until both answer. The caller owns the
 * processes: it kills and restarts the broker as its test needs. A restart
 * binds the ports the first start got, as a real restart would (the
 * collector reconnects to that address); only then is a port taken by
 * another process in between possible.
 */
export async function startBrokerAndCollector(
  root: string,
): Promise<BrokerAndCollector & { broker: Gputel }> {
  const args = ["broker", "--data-dir", join(root, "b")];
  const { proc: broker, tcp: port, admin } = await startRole(args, ["tcp", "admin"]);
  const startBroker = async () =>
    (await startRole([...args, "--port", `${port}`, "--admin-port", `${admin}`], ["tcp", "admin"]))
      .proc;
  const { proc: collector, api } = await startRole(
    ["collect", "--data-dir", join(root, "c"), "--broker", `127.0.0.1:${port}`],
    ["api"],
  );
  return { port, admin, api, broker, collector, startBroker };
}

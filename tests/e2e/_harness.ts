/**
 * Helpers for end-to-end tests: start the real CLI's roles on port 0 and
 * learn their ports, wait for readiness, read what they stored, and make sure
 * no process outlives its test.
 *
 * @module
 */
import { join } from "node:path";
import { waitUntil } from "../_helpers.ts";
import { type Bound, Gputel, PORT_FLAGS } from "./_gputel.ts";
export {
  exportCases,
  freePort,
  GENERATED_EXPORT,
  HAS_REAL_EXPORT,
  REAL_EXPORT,
  waitUntil,
  writeExportShaped,
} from "../_helpers.ts";
export { type Bound, boundPorts, Gputel, PORT_FLAGS, ROOT } from "./_gputel.ts";

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
  const ok = async () => {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      return r.ok;
    } catch {
      return false; // not up yet
    }
  };
  await waitUntil(`${url} to answer`, ok, timeoutMs).catch((err) => {
    throw new Error(`${err.message}; output:\n${proc.output}`);
  });
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

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
  writeExportShaped,
} from "../_helpers.ts";
export { exportCases, freePort, GENERATED_EXPORT, HAS_REAL_EXPORT, REAL_EXPORT, writeExportShaped };

/** The repository root. */
export const ROOT = fromFileUrl(new URL("../../", import.meta.url));

/** A spawned gputel process whose output is captured. */
export class Gputel implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly args: string[];
  #out: string[] = [];
  #pumps: Promise<void>[];
  #status: Promise<Deno.CommandStatus>;

  /** Spawns `deno run -A main.ts ...args` in the repository root. */
  constructor(args: string[], env: Record<string, string> = {}) {
    this.args = args;
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "main.ts", ...args],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      env,
    }).spawn();
    this.#pumps = [this.#pump(this.child.stdout), this.#pump(this.child.stderr)];
    this.#status = this.child.status;
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

/** Polls `check` until it returns true, or throws with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
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

/** A spawned `gputel broker,collect` and its ports. */
export interface AllInOne {
  proc: Gputel;
  port: number;
  admin: number;
  api: number;
}

/**
 * Spawns `gputel broker,collect` with its data in `dir` on free ports, plus
 * `flags`. Unless `wait` is false (HTTPS servers), waits until its admin and
 * query APIs answer over HTTP. The caller owns the process.
 */
export async function startAllInOne(
  dir: string,
  flags: string[] = [],
  options: { env?: Record<string, string>; wait?: boolean } = {},
): Promise<AllInOne> {
  const [port, admin, api] = [freePort(), freePort(), freePort()];
  const proc = new Gputel([
    ...["broker,collect", "--data-dir", dir, "--port", String(port)],
    ...["--admin-port", String(admin), "--api-port", String(api), ...flags],
  ], options.env);
  if (options.wait !== false) {
    await waitForHttp(`http://127.0.0.1:${admin}/health`, proc);
    await waitForHttp(`http://127.0.0.1:${api}/health`, proc);
  }
  return { proc, port, admin, api };
}

/** A broker (restartable on the same ports and data) and a collector, data under one root. */
export interface BrokerAndCollector {
  port: number;
  admin: number;
  api: number;
  collector: Gputel;
  /** Starts the broker (again) and waits for its admin API. */
  startBroker(): Promise<Gputel>;
}

/**
 * Starts `gputel broker` (data in `root/b`) and `gputel collect` (data in
 * `root/c`) on free ports and waits until both answer. The caller owns the
 * processes: it kills and restarts the broker as its test needs.
 */
export async function startBrokerAndCollector(
  root: string,
): Promise<BrokerAndCollector & { broker: Gputel }> {
  const [port, admin, api] = [freePort(), freePort(), freePort()];
  const startBroker = async () => {
    const broker = new Gputel([
      ...["broker", "--data-dir", join(root, "b")],
      ...["--port", String(port), "--admin-port", String(admin)],
    ]);
    await waitForHttp(`http://127.0.0.1:${admin}/health`, broker);
    return broker;
  };
  const broker = await startBroker();
  const collector = new Gputel([
    ...["collect", "--data-dir", join(root, "c"), "--broker", `127.0.0.1:${port}`],
    ...["--api-port", String(api)],
  ]);
  await waitForHttp(`http://127.0.0.1:${api}/health`, collector);
  return { port, admin, api, broker, collector, startBroker };
}

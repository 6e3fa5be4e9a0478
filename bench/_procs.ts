/**
 * Process helpers for the benchmark: spawn a Deno script or a server binary,
 * read the JSON lines a client prints, wait for a port, stop by PID.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { freePort } from "../tests/_helpers.ts";
export { freePort };

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Runtime flags of the compiled binary (compile.sh's RUNTIME_FLAGS). */
export const GPUTEL_RUNTIME_FLAGS = ["--v8-flags=--max-semi-space-size=16"];

/** Whether `cmd` is on PATH. */
export async function onPath(cmd: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

/** A spawned process whose stdout is read line by line. */
export class Proc implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly name: string;
  #lines: string[] = [];
  #waiters: (() => void)[] = [];
  #done: Promise<void>;
  #stderr: string[] = [];

  /** Spawns `cmd args` in the repository root. */
  constructor(name: string, cmd: string, args: string[], env: Record<string, string> = {}) {
    this.name = name;
    const child = new Deno.Command(cmd, {
      args,
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      env,
    }).spawn();
    this.child = child;
    this.#done = (async () => {
      const lines = child.stdout.pipeThrough(new TextDecoderStream());
      let buf = "";
      for await (const chunk of lines) {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          this.#lines.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          for (const w of this.#waiters.splice(0)) w();
        }
      }
      for (const w of this.#waiters.splice(0)) w();
    })();
    (async () => {
      for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderr.push(c);
      }
    })();
  }

  /**
   * Spawns a Deno script with all permissions. With GPUTEL_BENCH_PROF=DIR in
   * the environment, each process writes a CPU profile there. gputel itself
   * (`main.ts`, or a bench script that runs a role: `gputelFlags`) runs with
   * the V8 flags the compiled binary has (compile.sh).
   */
  static deno(
    name: string,
    script: string,
    args: string[],
    gputelFlags = script === "main.ts",
  ): Proc {
    const prof = Deno.env.get("GPUTEL_BENCH_PROF");
    const flags = prof
      ? ["--cpu-prof", `--cpu-prof-dir=${prof}`, `--cpu-prof-name=${name}.cpuprofile`]
      : [];
    if (gputelFlags) flags.push(...GPUTEL_RUNTIME_FLAGS);
    return new Proc(name, Deno.execPath(), ["run", "--allow-all", ...flags, script, ...args]);
  }

  /** The next stdout line that parses as JSON, or throws with stderr after `timeoutMs`. */
  async json<T>(timeoutMs = 120_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) {
        try {
          return JSON.parse(line) as T;
        } catch {
          continue;
        }
      }
      const left = until - Date.now();
      if (left <= 0) {
        throw new Error(
          `${this.name}: no JSON within ${timeoutMs} ms; stderr: ${this.#stderr.join("")}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const status = await Promise.race([
        new Promise<"line">((r) => this.#waiters.push(() => r("line"))),
        this.#done.then(() => "done" as const),
        new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), left))),
      ]);
      clearTimeout(timer); // a pending timer would keep the whole bench alive
      if (status === "done" && this.#lines.length === 0) {
        throw new Error(
          `${this.name} exited without a report; stderr: ${this.#stderr.join("").slice(-2000)}`,
        );
      }
    }
  }

  /** Peak resident set size so far, KiB (from /proc). */
  async peakRssKiB(): Promise<number> {
    const status = await Deno.readTextFile(`/proc/${this.child.pid}/status`).catch(() => "");
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  }

  /** CPU time used so far (user + system, all threads), seconds (from /proc). */
  async cpuSeconds(): Promise<number> {
    const stat = await Deno.readTextFile(`/proc/${this.child.pid}/stat`).catch(() => "");
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  }

  /** Waits up to `ms` for the process to exit by itself, then stops it. */
  async finish(ms = 5000): Promise<void> {
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.child.status, new Promise((r) => (t = setTimeout(r, ms)))]);
    clearTimeout(t);
    await this.stop();
  }

  /** Stops the process (SIGTERM, then SIGKILL after 3 s) and reaps it. */
  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // already exited
    }
    const t = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch {
        // gone
      }
    }, 3000);
    await this.child.status;
    clearTimeout(t);
    await this.#done.catch(() => {});
  }

  /** Stops the process. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** A broker process on free ports, ready for connections. */
export interface BrokerProc {
  proc: Proc;
  port: number;
  admin: number;
}

/**
 * Starts `gputel broker` with its data in `dir` on free loopback ports, plus
 * `args`, and waits until it accepts connections.
 */
export async function startBroker(dir: string, args: string[] = []): Promise<BrokerProc> {
  const [port, admin] = [freePort(), freePort()];
  const proc = Proc.deno("broker", "main.ts", [
    "broker",
    ...["--port", String(port), "--admin-port", String(admin), "--data-dir", dir],
    ...args,
  ]);
  try {
    await waitForPort(port);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { proc, port, admin };
}

/** How {@linkcode startNatsServer} runs the server. */
export interface NatsServerOptions {
  /** The server binary. @default {"nats-server"} (from PATH) */
  binary?: string;
  /**
   * fsync every JetStream write before its ack (`sync_interval: always`,
   * nats-server 2.10 and later); unset leaves the server's default (a sync
   * every 2 minutes).
   */
  syncAlways?: boolean;
}

/**
 * Starts `nats-server -js` (file store in `dir`) on a free loopback port and
 * waits until it accepts connections.
 */
export async function startNatsServer(
  dir: string,
  o: NatsServerOptions = {},
): Promise<{ proc: Proc; port: number }> {
  const port = freePort();
  const args = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir];
  if (o.syncAlways) {
    // Only a config file sets the sync policy; the flags above still apply.
    await Deno.mkdir(dir, { recursive: true });
    const conf = `${dir}/sync.conf`;
    await Deno.writeTextFile(conf, "jetstream { sync_interval: always }\n");
    args.push("-c", conf);
  }
  const proc = new Proc("nats-server", o.binary ?? "nats-server", args);
  try {
    await waitForPort(port);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { proc, port };
}

/** Waits until something accepts TCP connections on 127.0.0.1:`port`. */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
}

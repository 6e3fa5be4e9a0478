/**
 * A spawned gputel process whose output is captured, and the ports its
 * startup lines name (roles bound to port 0 report the port they got).
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { waitUntil } from "../_helpers.ts";

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
      env,
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

  /**
   * SIGKILLs if still running and reaps the process. Under `deno task
   * coverage` it sends SIGTERM first and gives the process 5 s to exit, so
   * that it writes its coverage profile (a SIGKILLed process writes none).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (Deno.env.get("DENO_COVERAGE_DIR") !== undefined && !this.#exited) {
      this.kill("SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.#status, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
      clearTimeout(timer);
    }
    this.kill("SIGKILL");
    await this.wait();
  }
}

/**
 * `--source nvidia-smi`: one long-running
 * `nvidia-smi --query-gpu=… --format=csv,noheader,nounits -lms <interval>`
 * whose lines become samples. A process that exits, or prints nothing for
 * `stallIntervals` intervals (it is then killed), is started again after a
 * backoff; each restart is counted and logged.
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import { backoffDelay } from "../../client/backoff.ts";
import type { Logger } from "../../obs/log.ts";
import { FieldIssues } from "./field_issues.ts";
import { parseSmiLine, SMI_QUERY } from "./nvidia_smi_line.ts";
import { type LiveSample, type LiveSource, SourceUnavailableError } from "./source.ts";

/** Default {@linkcode NvidiaSmiSourceOptions.stallIntervals}. */
export const DEFAULT_STALL_INTERVALS = 3;
/** Longest wait for a new process's first line before it counts as stalled, ms (nvidia-smi starts slowly on big hosts). */
export const SMI_START_GRACE_MS = 10_000;

/** Options of {@linkcode NvidiaSmiSource.open}. */
export interface NvidiaSmiSourceOptions {
  /** The program (`--nvidia-smi`), a path or a name on PATH. */
  program: string;
  /** `-lms`: time between readings, ms. */
  intervalMs: number;
  /** The `Hostname` label. */
  hostname: string;
  /** Time source of the readings. */
  clock: Clock;
  /** Where the source logs. */
  logger: Logger;
  /** Run nvidia-smi once (no `-lms`) and end with its lines. @default {false} */
  once?: boolean;
  /** Intervals without a line before the process is restarted. @default {DEFAULT_STALL_INTERVALS} */
  stallIntervals?: number;
  /** Wait for a new process's first line, ms. @default {SMI_START_GRACE_MS} */
  startGraceMs?: number;
}

/** Reads GPUs through a long-running nvidia-smi. */
export class NvidiaSmiSource implements LiveSource {
  readonly name = "nvidia-smi";
  readonly #o: NvidiaSmiSourceOptions;
  readonly #issues: FieldIssues;
  readonly #gpus = new Set<string>();
  #child: Deno.ChildProcess | undefined;
  #queue: LiveSample[] = [];
  #wake: (() => void) | undefined;
  #lastLineAt = 0;
  #linesThisProcess = 0;
  #attempt = 0;
  #closed = false;
  #ended = false;
  #exited: Promise<void> = Promise.resolve();
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #respawn: ReturnType<typeof setTimeout> | undefined;
  #stderr = "";
  #counts = { restarts: 0, stalls: 0, bad_lines: 0 };
  #firstLine: (() => void) | undefined;
  #opening = true;
  #exitWhileOpening: Deno.CommandStatus | undefined;

  private constructor(o: NvidiaSmiSourceOptions) {
    this.#o = o;
    this.#issues = new FieldIssues(o.logger);
  }

  /**
   * Starts nvidia-smi and waits for its first line.
   *
   * @throws {SourceUnavailableError} naming `--nvidia-smi` when the program
   *   is not there or cannot run, or exits before printing a reading
   */
  static async open(o: NvidiaSmiSourceOptions): Promise<NvidiaSmiSource> {
    const source = new NvidiaSmiSource(o);
    source.#spawn(true);
    const first = new Promise<void>((r) => source.#firstLine = r);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((r) =>
      timer = setTimeout(r, o.startGraceMs ?? SMI_START_GRACE_MS)
    );
    const exited = source.#exited.then(() => "exited" as const);
    const what = await Promise.race([first, grace, exited]);
    clearTimeout(timer);
    source.#opening = false;
    if (what === "exited" && source.#linesThisProcess === 0) {
      await source.close();
      const why = source.#stderr.trim().split("\n")[0] || "no output";
      throw new SourceUnavailableError(
        `--source nvidia-smi: ${o.program} exited before printing a reading (${why}); ` +
          "is the NVIDIA driver loaded? use --source nvml or --csv",
      );
    }
    const status = source.#exitWhileOpening;
    if (status !== undefined) source.#onExit(status);
    return source;
  }

  /** Yields the samples of the lines read since the last yield, until `signal` aborts. */
  async *samples(signal: AbortSignal): AsyncGenerator<LiveSample[]> {
    const onAbort = () => this.#wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        if (this.#queue.length > 0) {
          const batch = this.#queue;
          this.#queue = [];
          yield batch;
          continue;
        }
        if (this.#ended || this.#closed) return;
        await new Promise<void>((r) => this.#wake = r);
        this.#wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** `gpus` (seen), `restarts`, `stalls`, `bad_lines`, `unsupported`, `errors`. */
  counters(): Record<string, number> {
    return {
      gpus: this.#gpus.size,
      ...this.#counts,
      unsupported: this.#issues.unsupported,
      errors: this.#issues.failing,
    };
  }

  /** Stops nvidia-smi. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#watchdog);
    clearTimeout(this.#respawn);
    this.#kill("SIGTERM");
    this.#wake?.();
    await this.#exited;
  }

  #spawn(first: boolean): void {
    const o = this.#o;
    const args = [`--query-gpu=${SMI_QUERY}`, "--format=csv,noheader,nounits"];
    if (!o.once) args.push("-lms", String(o.intervalMs));
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(o.program, { args, stdin: "null", stdout: "piped", stderr: "piped" })
        .spawn();
    } catch (cause) {
      const why = cause instanceof Deno.errors.NotFound
        ? "not found (is the NVIDIA driver installed? give its path with --nvidia-smi PATH)"
        : `cannot run: ${(cause as Error).message}`;
      const message = `--source nvidia-smi: ${o.program} ${why}; or use --source nvml or --csv`;
      if (first) throw new SourceUnavailableError(message, { cause });
      o.logger.error(message);
      this.#scheduleRespawn();
      return;
    }
    this.#child = child;
    this.#linesThisProcess = 0;
    this.#stderr = "";
    this.#lastLineAt = o.clock.now();
    const out = this.#readLines(child.stdout);
    const err = this.#readStderr(child.stderr);
    this.#exited = Promise.all([child.status, out, err]).then(([status]) => this.#onExit(status));
    if (!o.once) this.#watchdog ??= setInterval(() => this.#checkStall(), o.intervalMs);
  }

  async #readLines(stream: ReadableStream<Uint8Array>): Promise<void> {
    let rest = "";
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        for (const line of lines) this.#onLine(line);
      }
    } catch {
      // the process was killed mid-read
    }
    if (rest.trim() !== "") this.#onLine(rest);
  }

  async #readStderr(stream: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.#stderr = (this.#stderr + chunk).slice(-4096);
      }
    } catch {
      // killed
    }
  }

  #onLine(raw: string): void {
    const line = raw.trim();
    if (line === "") return;
    const o = this.#o;
    const now = o.clock.now();
    this.#lastLineAt = now;
    const r = parseSmiLine(line, {
      hostname: o.hostname,
      timestamp: new Date(now).toISOString(),
      issues: this.#issues,
    });
    if (typeof r === "string") {
      if (this.#counts.bad_lines++ === 0) {
        o.logger.warn(`nvidia-smi printed a line gputel cannot read (${r}): ${line.slice(0, 200)}`);
      }
      return;
    }
    this.#linesThisProcess++;
    this.#attempt = 0;
    this.#gpus.add(r.key);
    this.#queue.push(r);
    this.#firstLine?.();
    this.#wake?.();
  }

  #checkStall(): void {
    const o = this.#o;
    if (this.#child === undefined || this.#closed) return;
    const limit = this.#linesThisProcess === 0
      ? Math.max(
        o.startGraceMs ?? SMI_START_GRACE_MS,
        o.intervalMs * (o.stallIntervals ?? DEFAULT_STALL_INTERVALS),
      )
      : o.intervalMs * (o.stallIntervals ?? DEFAULT_STALL_INTERVALS);
    const quiet = o.clock.now() - this.#lastLineAt;
    if (quiet <= limit) return;
    this.#counts.stalls++;
    o.logger.warn(`nvidia-smi printed nothing for ${quiet} ms; killing it`);
    this.#kill("SIGKILL");
    this.#lastLineAt = o.clock.now();
  }

  #onExit(status: Deno.CommandStatus): void {
    this.#child = undefined;
    if (this.#opening) this.#exitWhileOpening = status;
    if (this.#closed || this.#opening) return;
    if (this.#o.once) {
      this.#ended = true;
      this.#wake?.();
      return;
    }
    const why = this.#stderr.trim().split("\n").at(-1) ?? "";
    const how = status.signal
      ? `was killed by ${status.signal}`
      : `exited with code ${status.code}`;
    this.#counts.restarts++;
    const delay = this.#scheduleRespawn();
    this.#o.logger.warn(
      `nvidia-smi ${how}${why ? ` (${why})` : ""}; restarting it in ${delay} ms`,
      {
        restarts: this.#counts.restarts,
      },
    );
  }

  #scheduleRespawn(): number {
    const delay = backoffDelay(this.#attempt++);
    this.#respawn = setTimeout(() => {
      this.#respawn = undefined;
      if (!this.#closed) this.#spawn(false);
    }, delay);
    return delay;
  }

  #kill(signal: Deno.Signal): void {
    try {
      this.#child?.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * The `--state` part of a stream run: plans where it starts, opens the sink
 * numbering as the plan says (sealing only full batches and at cuts), and
 * makes the {@linkcode ResumeKeeper} that holds the hand-off at cuts.
 *
 * @module
 */
import type { ResumableSink, ResumableSinkOptions, Sink } from "../client/sink.ts";
import type { Logger } from "../obs/log.ts";
import type { FileEvent } from "./file_rows_options.ts";
import { ResumeKeeper } from "./resume_keeper.ts";
import { planResume, type ResumePlan } from "./resume_plan.ts";
import type { RowFilter, Shard } from "./row_filter.ts";

/** What shapes a stream's batches: a replay must have the same, or its batches differ. */
export interface BatchShape {
  /** The transport's name ("gputel", "nats"). */
  transport: string;
  /** The topic. */
  topic: string;
  /** Messages per batch. */
  batch: number;
  /** The key column, when given. */
  key?: string;
  /** The row filters. */
  filters: RowFilter[];
  /** The shard, when given. */
  shard?: Shard;
  /** The longest record read. */
  maxRecordBytes: number;
}

/**
 * The text the state file keeps to compare a restart's options with:
 * `transport=gputel topic=telemetry batch=500 key= filters=[] shard= max-record-bytes=1048576`.
 */
export function batchFingerprint(s: BatchShape): string {
  const shard = s.shard === undefined ? "" : `${s.shard.index}/${s.shard.count}`;
  const filters = JSON.stringify(s.filters.map((f) => `${f.column}=${f.value}`));
  return `transport=${s.transport} topic=${s.topic} batch=${s.batch} key=${s.key ?? ""} ` +
    `filters=${filters} shard=${shard} max-record-bytes=${s.maxRecordBytes}`;
}

/** A stream run's resume side. */
export class StreamResume {
  /** Where and how the run starts. */
  readonly plan: ResumePlan;
  readonly #stateFile: string;
  readonly #fingerprint: string;

  private constructor(stateFile: string, fingerprint: string, plan: ResumePlan) {
    this.#stateFile = stateFile;
    this.#fingerprint = fingerprint;
    this.plan = plan;
  }

  /**
   * Reads the state file and plans the start; logs the plan's line.
   *
   * @throws {RangeError} when the state file is not a gputel stream state
   */
  static async open(
    stateFile: string,
    csv: string,
    shape: BatchShape,
    logger: Logger,
  ): Promise<StreamResume> {
    const fingerprint = batchFingerprint(shape);
    const plan = await planResume(stateFile, csv, fingerprint);
    logger.info(plan.message, { state: stateFile });
    return new StreamResume(stateFile, fingerprint, plan);
  }

  /** How the sink must be opened: the plan's producer, sealing only full batches. */
  get sinkOptions(): ResumableSinkOptions {
    return { producer: this.plan.producer, autoSeal: false };
  }

  /**
   * Starts keeping the state file over `sink`.
   *
   * @throws {TypeError} when the sink cannot save its numbering
   */
  keeper(sink: Sink, logger: Logger, signal: AbortSignal): ResumeKeeper {
    if (!("producer" in sink) || typeof sink.producer !== "function") {
      throw new TypeError("--state needs a sink that numbers its batches (producer())");
    }
    const p = this.plan;
    return new ResumeKeeper({
      stateFile: this.#stateFile,
      input: p.input,
      dev: p.dev,
      others: p.others,
      fingerprint: this.#fingerprint,
      start: p.start,
      sealAt: p.sealAt,
      sink: sink as ResumableSink,
      logger,
      signal,
    });
  }

  /**
   * Checks a file event of the reader: a file that changed between the
   * plan and the first read cannot continue the plan's producer.
   *
   * @throws {Error} on `start_over` when the plan resumes (run again)
   */
  checkEvent(e: FileEvent): void {
    if (e.kind === "start_over" && this.plan.resume !== undefined) {
      throw new Error(`${e.message}; the file changed as the stream started: run it again`);
    }
  }
}

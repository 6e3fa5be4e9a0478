/**
 * Where a stream with a `--state` file starts: after the confirmed point of
 * the last run, with its producer, when the file and the options are the
 * same; from the file's start when the file is another one (inode, device)
 * or shorter than where the last run got; after the confirmed point with a
 * fresh producer when the options that shape the batches changed. Each case
 * is said in one log line.
 *
 * @module
 */
import { resolve } from "node:path";
import type { ProducerState } from "../client/sink.ts";
import type { ResumePoint } from "./file_rows_options.ts";
import type { InputPoint } from "./resume_keeper.ts";
import type { FilePoint, PathState } from "./resume_state.ts";
import { readStateFile } from "./state_file.ts";

/** Where and how a run with a state file starts. */
export interface ResumePlan {
  /** The input's absolute path: its key in the state file. */
  input: string;
  /** The device of the input's file system. */
  dev: number;
  /** Where reading starts (a confirmed point, or the file's start). */
  start: InputPoint;
  /** For the file reader: where to continue; unset reads from the start. */
  resume?: ResumePoint;
  /** The producer to continue (the replay is then idempotent); unset: a fresh one. */
  producer?: ProducerState;
  /** Where the last run sealed after `start` (with `producer` only). */
  sealAt: FilePoint | null;
  /** Entries of other inputs in the state file, kept as they are. */
  others: Record<string, PathState>;
  /** The one log line that says what this run does. */
  message: string;
}

/**
 * Reads `stateFile` and decides where the stream of `csv` starts.
 *
 * @param stateFile the `--state` file (absent: a first run)
 * @param csv the input file
 * @param fingerprint the options that shape the batches, as the keeper records them
 * @throws {RangeError} when the state file is not a gputel stream state (naming it)
 * @throws {Deno.errors.NotFound} when `csv` does not exist
 */
export async function planResume(
  stateFile: string,
  csv: string,
  fingerprint: string,
): Promise<ResumePlan> {
  const input = resolve(csv);
  const state = await readStateFile(stateFile);
  const info = await Deno.stat(input);
  const ino = info.ino ?? 0;
  const dev = info.dev ?? 0;
  const { [input]: entry, ...others } = state?.paths ?? {};
  const fromStart = (why: string): ResumePlan => ({
    input,
    dev,
    start: { ino, offset: 0, line: 1, rows: 0 },
    sealAt: null,
    others,
    message: `${why}: streaming ${input} from its start`,
  });
  if (entry === undefined) return fromStart(`no resume point for ${input} in ${stateFile}`);
  if (entry.ino !== ino || entry.dev !== dev) {
    return fromStart(
      `${input} is another file now (inode ${ino} on device ${dev}, was ${entry.ino} on ${entry.dev})`,
    );
  }
  const reached = Math.max(entry.offset, entry.sealAt?.offset ?? 0);
  if (info.size < reached) {
    return fromStart(
      `${input} is shorter (${info.size} bytes) than where the last run got (byte ${reached})`,
    );
  }
  const start = { ino, offset: entry.offset, line: entry.line, rows: entry.rows };
  // Offset 0 is the file's start (before its header): read it as a first run would.
  const resume = entry.offset === 0 ? undefined : { ino, offset: entry.offset, line: entry.line };
  const after = entry.offset === 0
    ? "from its start"
    : `after line ${entry.line - 1} (byte ${entry.offset})`;
  const sameSeal = entry.sealAt === null || entry.sealAt.ino === ino;
  if (entry.fingerprint !== fingerprint || !sameSeal) {
    const why = sameSeal
      ? `the options that shape batches changed (were ${entry.fingerprint})`
      : "the last run sealed in a rotated file";
    return {
      input,
      dev,
      start,
      resume,
      sealAt: null,
      others,
      message:
        `resuming ${input} ${after} with a fresh producer: ${why}, so rows the last run sent after that point without a confirm may be stored twice`,
    };
  }
  return {
    input,
    dev,
    start,
    resume,
    producer: { id: entry.producer, sequences: entry.sequences },
    sealAt: entry.sealAt,
    others,
    message: `resuming ${input} ${after}, as producer ${entry.producer}` +
      (entry.sealAt === null ? "" : `, replaying up to byte ${entry.sealAt.offset}`),
  };
}

/**
 * Options of `fileRows` (`file_rows.ts`) and the values a reader
 * takes and reports: where to resume ({@linkcode ResumePoint}) and what
 * happened to the file ({@linkcode FileEvent}).
 *
 * @module
 */
import type { CsvRowOptions } from "./csv_rows.ts";

/** Default {@linkcode FileRowsOptions.pollMs}. */
export const DEFAULT_POLL_MS = 100;

/** Where to resume reading a file. */
export interface ResumePoint {
  /** The inode the point belongs to; another file at the path starts over. */
  ino: number;
  /** Byte offset to continue from (just past a row). */
  offset: number;
  /** The line number at that offset. */
  line: number;
}

/** Something a reader noticed, for the log. */
export interface FileEvent {
  /** What happened to the file. */
  kind: "rotated" | "truncated" | "resumed" | "start_over";
  /** One sentence saying what happened. */
  message: string;
}

/** Options of `fileRows` (`file_rows.ts`). */
export interface FileRowsOptions extends CsvRowOptions {
  /** Keep reading as the file grows, across rotation and truncation. @default {false} */
  follow?: boolean;
  /** Continue here instead of at the start, when the file is still the same. */
  resume?: ResumePoint;
  /** How often a follower looks for new bytes at the end of the file, ms. @default {DEFAULT_POLL_MS} */
  pollMs?: number;
  /** Stops the read: the generator returns. */
  signal?: AbortSignal;
  /** Told about rotation, truncation and resuming. */
  onEvent?: (event: FileEvent) => void;
  /** Called each time the reader, at the end of the file, starts waiting for more. */
  onIdle?: () => void;
}

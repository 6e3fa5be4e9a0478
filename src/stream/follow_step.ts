/**
 * What a reader at the end of a file does next (tail -F): the pure decision
 * behind `gputel stream --follow` and the unterminated-last-line rule. No
 * I/O: the caller stats the open file and the path and passes what it saw.
 *
 * @module
 */

/** How long a file must have stayed unmodified before its unterminated last line counts as done. */
export const QUIET_MS = 1_000;

/** What the reader knows of the file it has open. */
export interface OpenFile {
  /** Its inode. */
  ino: number;
  /** Bytes read from it so far. */
  offset: number;
  /** Its size now (fstat of the open descriptor). */
  size: number;
}

/** The next step at the end of the open file. */
export type FollowStep =
  /** The open file has bytes past the offset: read them (even if the path was rotated meanwhile). */
  | "read"
  /** The open file is shorter than what was read: it was truncated; read it again from its start. */
  | "truncated"
  /** Another file is at the path and the open one is read to its end: finish it, then open that one. */
  | "rotated"
  /** Nothing new: poll again later. */
  | "wait";

/**
 * Decides what a following reader does at the end of its open file.
 *
 * @param open the open file: inode, bytes read, current size
 * @param atPath the inode now at the path, or `null` while nothing is there
 *   (a rotation in progress: keep reading the open file)
 *
 * @example
 * ```ts
 * followStep({ ino: 7, offset: 100, size: 100 }, { ino: 9 }); // "rotated"
 * followStep({ ino: 7, offset: 100, size: 40 }, { ino: 7 }); // "truncated"
 * ```
 */
export function followStep(open: OpenFile, atPath: { ino: number } | null): FollowStep {
  if (open.size < open.offset) return "truncated";
  if (open.size > open.offset) return "read";
  if (atPath !== null && atPath.ino !== open.ino) return "rotated";
  return "wait";
}

/**
 * Whether an unterminated last line (bytes after the file's last newline)
 * is complete: the file was read to its end and has not been modified for
 * {@linkcode QUIET_MS}. A writer that pauses mid-line for less than that
 * never has its half line published.
 *
 * @param open the open file
 * @param mtimeMs its modification time, epoch ms (`null` when unknown: never done)
 * @param nowMs the current time, epoch ms
 */
export function lastLineDone(open: OpenFile, mtimeMs: number | null, nowMs: number): boolean {
  return open.size === open.offset && mtimeMs !== null && nowMs - mtimeMs >= QUIET_MS;
}

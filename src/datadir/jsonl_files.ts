/**
 * File I/O for the collector's JSONL files: positioned writes with optional
 * fdatasync, cuts, ranged reads and line scans. The edge under
 * {@linkcode CollectorStore}.
 *
 * @module
 */

/** Size of the chunks {@linkcode scanLines} reads. */
export const SCAN_CHUNK_BYTES = 1 << 20;

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}

/** Default of the `maxOpen` argument of {@linkcode WriteHandles}. */
export const DEFAULT_MAX_OPEN_FILES = 256;

/**
 * Write handles kept open across checkpoints (opening and closing a few
 * hundred files each time costs more than the writes), least recently used
 * closed first once more than `maxOpen` are open after a {@linkcode trim}.
 */
export class WriteHandles {
  readonly #maxOpen: number;
  readonly #open = new Map<string, Deno.FsFile>();
  // Where each open handle's position is, after a write that completed.
  readonly #ends = new Map<string, number>();

  /**
   * Creates an empty set of handles.
   *
   * @param maxOpen handles kept open between uses
   * @throws {RangeError} when `maxOpen` is not an integer >= 1
   */
  constructor(maxOpen: number = DEFAULT_MAX_OPEN_FILES) {
    if (!Number.isSafeInteger(maxOpen) || maxOpen < 1) {
      throw new RangeError(`WriteHandles: maxOpen must be an integer >= 1, got ${maxOpen}`);
    }
    this.#maxOpen = maxOpen;
  }

  /**
   * Writes bytes at `offset` of a file (looping only on short writes),
   * creating it when missing, then fdatasyncs it when `sync` is set. Writing
   * at an offset rather than at the end makes a retry after a failed write
   * overwrite what that write left.
   *
   * @returns whether the file was created by this call
   */
  async writeAt(
    path: string,
    offset: number,
    bytes: Uint8Array,
    sync: boolean,
  ): Promise<{ created: boolean }> {
    let file = this.#open.get(path);
    let created = false;
    if (file !== undefined) {
      this.#open.delete(path);
    } else {
      try {
        file = await Deno.open(path, { write: true });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        file = await Deno.open(path, { write: true, create: true });
        created = true;
      }
    }
    this.#open.set(path, file);
    // Most writes continue where the last one ended: seek only otherwise.
    if (this.#ends.get(path) !== offset) await file.seek(offset, Deno.SeekMode.Start);
    this.#ends.delete(path);
    await writeAll(file, bytes);
    this.#ends.set(path, offset + bytes.length);
    if (sync) await file.syncData();
    return { created };
  }

  /** Closes the handle of `path`, if open. Call before removing or renaming the file. */
  forget(path: string): void {
    this.#open.get(path)?.close();
    this.#open.delete(path);
    this.#ends.delete(path);
  }

  /** Closes the least recently used handles beyond `maxOpen`. Call between batches. */
  trim(): void {
    for (const path of this.#open.keys()) {
      if (this.#open.size <= this.#maxOpen) break;
      this.forget(path);
    }
  }

  /** Closes every handle. Safe to call twice. */
  closeAll(): void {
    for (const file of this.#open.values()) file.close();
    this.#open.clear();
    this.#ends.clear();
  }
}

/**
 * Cuts a file back to `size` bytes, fdatasyncing the cut when `sync` is set.
 */
export async function truncateFile(path: string, size: number, sync: boolean): Promise<void> {
  const file = await Deno.open(path, { write: true });
  try {
    await file.truncate(size);
    if (sync) await file.syncData();
  } finally {
    file.close();
  }
}

/**
 * fsyncs a directory so newly created entries in it survive a power loss.
 * A no-op where the platform cannot open directories for syncing.
 */
export async function syncDir(dir: string): Promise<void> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(dir, { read: true });
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // Some platforms refuse fsync on a directory; nothing more can be done.
  } finally {
    handle.close();
  }
}

/**
 * Reads `length` bytes at `offset` (fewer when the file is shorter).
 */
export async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    await file.seek(offset, Deno.SeekMode.Start);
    const buffer = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = await file.read(buffer.subarray(done));
      if (n === null) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    file.close();
  }
}

/**
 * {@linkcode readRange} without a thread pool round trip: for the many
 * small reads of a store's open, which waits for them anyway.
 */
export function readRangeSync(path: string, offset: number, length: number): Uint8Array {
  using file = Deno.openSync(path, { read: true });
  file.seekSync(offset, Deno.SeekMode.Start);
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = file.readSync(buffer.subarray(done));
    if (n === null) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

const NEWLINE = 0x0a;

/**
 * Splits bytes into newline-terminated lines; a trailing part without a
 * newline is not a line.
 *
 * @param bytes the bytes
 * @param onLine called with each line's bytes (newline excluded)
 * @returns the number of bytes consumed (through the last newline)
 */
export function splitLines(bytes: Uint8Array, onLine: (line: Uint8Array) => void): number {
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(NEWLINE, start);
    if (end === -1) break;
    onLine(bytes.subarray(start, end));
    start = end + 1;
  }
  return start;
}

/**
 * Reads bytes `[from, size)` of a file in chunks and calls `onLine` for each
 * complete line, in order.
 *
 * @param path the file
 * @param size where to stop scanning (a byte offset)
 * @param onLine called with each line's bytes (newline excluded)
 * @param from where to start; must be the start of a line
 * @returns the bytes after `from` covered by complete lines: a torn last line is excluded
 */
export async function scanLines(
  path: string,
  size: number,
  onLine: (line: Uint8Array) => void,
  from = 0,
): Promise<number> {
  // Synchronous reads: a scan runs at open or over a few new lines, and a
  // thread pool round trip per chunk cost more than the read (idle time
  // was a quarter of a collector's start on a busy machine).
  await Promise.resolve();
  using file = Deno.openSync(path, { read: true });
  if (from > 0) file.seekSync(from, Deno.SeekMode.Start);
  let pending = new Uint8Array(0);
  let position = from;
  let consumed = 0;
  while (position < size) {
    const chunk = new Uint8Array(Math.min(SCAN_CHUNK_BYTES, size - position));
    const n = file.readSync(chunk);
    if (n === null) break;
    position += n;
    const joined = new Uint8Array(pending.length + n);
    joined.set(pending);
    joined.set(chunk.subarray(0, n), pending.length);
    const used = splitLines(joined, onLine);
    consumed += used;
    pending = joined.slice(used);
  }
  return consumed;
}

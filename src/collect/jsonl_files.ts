/**
 * File I/O for the collector's JSONL files: appends with optional
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

/** Default of the `maxOpen` argument of {@linkcode AppendHandles}. */
export const DEFAULT_MAX_OPEN_FILES = 256;

/**
 * Append handles kept open across batches (opening and closing a few hundred
 * files per batch costs more than the writes), least recently used closed
 * first once more than `maxOpen` are open after a {@linkcode trim}.
 */
export class AppendHandles {
  readonly #maxOpen: number;
  readonly #open = new Map<string, Deno.FsFile>();

  /**
   * Creates an empty set of handles.
   *
   * @param maxOpen handles kept open between batches
   * @throws {RangeError} when `maxOpen` is not an integer >= 1
   */
  constructor(maxOpen: number = DEFAULT_MAX_OPEN_FILES) {
    if (!Number.isSafeInteger(maxOpen) || maxOpen < 1) {
      throw new RangeError(`AppendHandles: maxOpen must be an integer >= 1, got ${maxOpen}`);
    }
    this.#maxOpen = maxOpen;
  }

  /**
   * Appends bytes to a file in one write (looping only on short writes),
   * creating it when missing, then fdatasyncs it when `sync` is set.
   *
   * @returns whether the file was created by this call
   */
  async append(path: string, bytes: Uint8Array, sync: boolean): Promise<{ created: boolean }> {
    let file = this.#open.get(path);
    let created = false;
    if (file !== undefined) {
      this.#open.delete(path);
    } else {
      try {
        file = await Deno.open(path, { append: true });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        file = await Deno.open(path, { append: true, create: true });
        created = true;
      }
    }
    this.#open.set(path, file);
    await writeAll(file, bytes);
    if (sync) await file.syncData();
    return { created };
  }

  /** Closes the handle of `path`, if open. Call before removing or renaming the file. */
  forget(path: string): void {
    this.#open.get(path)?.close();
    this.#open.delete(path);
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
 * Undoes an append: cuts a file back to `size`, or removes it when `size` is
 * 0 and `remove` is set. A missing path or one that is not a regular file
 * (the append failed at open, so nothing was written) is left alone.
 *
 * @throws {Error} what the file system throws when the cut fails
 */
export async function cutBack(
  path: string,
  size: number,
  remove: boolean,
  sync: boolean,
): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (!info.isFile || info.size === size) return;
  if (size === 0 && remove) await Deno.remove(path);
  else await truncateFile(path, size, sync);
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
  const file = await Deno.open(path, { read: true });
  try {
    if (from > 0) await file.seek(from, Deno.SeekMode.Start);
    let pending = new Uint8Array(0);
    let position = from;
    let consumed = 0;
    while (position < size) {
      const chunk = new Uint8Array(Math.min(SCAN_CHUNK_BYTES, size - position));
      const n = await file.read(chunk);
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
  } finally {
    file.close();
  }
}

/**
 * One segment of a partition's log: `<base>.log` holds records (see
 * `record.ts`), `<base>.idx` one entry per record so a read needs no scan
 * (see `segment_index.ts`). The index is a cache of the log: recovery
 * repairs it from the log.
 *
 * @module
 */
import { join } from "node:path";
import type { FdPool, PooledFile } from "../../fs/fd_pool.ts";
import type { LayerFile } from "../../fs/file_layer.ts";
import { RECORD_HEADER_BYTES, recordIsValid, scanRecords } from "./record.ts";
import {
  decodeIndex,
  encodeIndex,
  INDEX_ENTRY_BYTES,
  indexedEnd,
  type IndexEntry,
} from "./segment_index.ts";

export { decodeIndex, encodeIndex, INDEX_ENTRY_BYTES, type IndexEntry } from "./segment_index.ts";

/** What recovery found wrong in a segment (all zero for a clean one). */
export interface SegmentRepair {
  /** Bytes cut from the end of the log (torn or garbage tail). */
  truncatedBytes: number;
  /** Garbage stretches skipped between valid records in the tail. */
  corruptRanges: number;
  /** Index entries dropped or added to match the log. */
  indexFixes: number;
}

/** File name stem of the segment starting at `base`. */
export function segmentName(base: number): string {
  return String(base).padStart(20, "0");
}

/** A segment's files, opened through the descriptor pool when used. */
export class Segment {
  /** Offset of the segment's first message. */
  readonly base: number;
  /** Path of the log file. */
  readonly logPath: string;
  /** Path of the index file. */
  readonly idxPath: string;
  /** Records in the segment, in order. */
  readonly entries: IndexEntry[];
  #size: number;
  #pool: FdPool;
  #log: PooledFile;
  #idx: PooledFile;
  #reader: PooledFile;
  #reads: Promise<unknown> = Promise.resolve();
  #indexedEnd = 0;

  private constructor(
    pool: FdPool,
    dir: string,
    base: number,
    entries: IndexEntry[],
    size: number,
  ) {
    this.base = base;
    this.logPath = join(dir, `${segmentName(base)}.log`);
    this.idxPath = join(dir, `${segmentName(base)}.idx`);
    this.entries = entries;
    this.#size = size;
    this.#pool = pool;
    this.#log = pool.file(this.logPath, { read: true, append: true });
    this.#idx = pool.file(this.idxPath, { append: true, create: true });
    this.#reader = pool.file(this.logPath, { read: true });
  }

  /** Bytes in the `.log` file. */
  get size(): number {
    return this.#size;
  }

  /** Offset after the last record (the base when empty). */
  get endOffset(): number {
    const last = this.entries.at(-1);
    return last ? last.baseOffset + last.count : this.base;
  }

  /**
   * Offset after the last record the index named when the segment was
   * recovered, valid or not: evidence of offsets once handed out (0: none).
   */
  get indexedEnd(): number {
    return this.#indexedEnd;
  }

  /** Newest append time in the segment (0 when empty). */
  get newestAppend(): number {
    return this.entries.at(-1)?.appendedAt ?? 0;
  }

  /**
   * Creates an empty segment, its names made durable (fsync of the
   * directory) before any record is confirmed in it.
   */
  static async create(pool: FdPool, dir: string, base: number): Promise<Segment> {
    const stem = join(dir, segmentName(base));
    await pool.files.writeFile(`${stem}.log`, new Uint8Array(0));
    await pool.files.writeFile(`${stem}.idx`, new Uint8Array(0));
    await pool.files.syncDir(dir);
    return new Segment(pool, dir, base, [], 0);
  }

  /**
   * Opens an existing segment, checking its tail: the last indexed record's
   * CRC, and any bytes past it. A torn or garbage tail is cut off; valid
   * records the index missed are indexed. Cost: the tail, not the segment.
   */
  static async recover(
    pool: FdPool,
    dir: string,
    base: number,
    repair: SegmentRepair,
  ): Promise<Segment> {
    const seg = new Segment(pool, dir, base, [], 0);
    let idxBytes: Uint8Array = new Uint8Array(0);
    try {
      idxBytes = await pool.files.readFile(seg.idxPath);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    await seg.#log.use(async (log) => {
      const size = (await log.stat()).size;
      const entries = decodeIndex(idxBytes, base, size);
      const indexed = Math.floor(idxBytes.length / INDEX_ENTRY_BYTES);
      let fixes = indexed - entries.length;
      // The last indexed record must be intact; walk back past any that are not.
      while (entries.length > 0 && !(await readValid(log, entries.at(-1)!))) {
        entries.pop();
        fixes++;
      }
      const last = entries.at(-1);
      const tailAt = last ? last.position + RECORD_HEADER_BYTES + last.blobLength : 0;
      let end = tailAt;
      if (size > tailAt) {
        const tail = await readAt(log, tailAt, size - tailAt);
        const scan = scanRecords(tail, last ? last.baseOffset + last.count : base);
        for (const r of scan.records) {
          entries.push({ ...r, position: tailAt + r.position });
          fixes++;
        }
        repair.corruptRanges += scan.skipped.length;
        end = tailAt + scan.validEnd;
      }
      if (end < size) {
        await log.truncate(end);
        repair.truncatedBytes += size - end;
      }
      repair.indexFixes += fixes;
      seg.#indexedEnd = indexedEnd(idxBytes);
      if (fixes > 0) await pool.files.writeFile(seg.idxPath, encodeIndex(entries));
      seg.entries.push(...entries);
      seg.#size = end;
    });
    return seg;
  }

  /**
   * Appends a record: its encoded header, then its blob. On a write error
   * (disk full) the log is cut back to its previous size and the error is
   * rethrown: nothing half-written stays behind.
   */
  async append(
    header: Uint8Array,
    blob: Uint8Array,
    entry: Omit<IndexEntry, "position">,
  ): Promise<IndexEntry> {
    const full: IndexEntry = { ...entry, position: this.#size };
    await this.#log.use(async (log) => {
      try {
        writeAll(log, header);
        writeAll(log, blob);
      } catch (err) {
        await log.truncate(full.position).catch(() => {});
        throw err;
      }
    });
    this.#size += header.length + blob.length;
    this.entries.push(full);
    // The index is a cache the log can rebuild: a failed index write is repaired at recovery.
    await this.#idx.use((idx) => writeAll(idx, encodeIndex([full]))).catch(() => {});
    return full;
  }

  /** fdatasync of the log file. */
  async sync(): Promise<void> {
    await this.#log.use((log) => log.syncData());
  }

  /** Reads a record's blob, or undefined when its bytes fail the CRC. */
  read(entry: IndexEntry): Promise<Uint8Array | undefined> {
    // One read at a time per segment: a read is a seek then a read on a shared descriptor.
    const done = this.#reads.catch(() => {}).then(() =>
      this.#reader.use(async (file) => {
        const bytes = await readAt(file, entry.position, RECORD_HEADER_BYTES + entry.blobLength);
        if (!recordIsValid(bytes, 0)) return undefined;
        return bytes.subarray(RECORD_HEADER_BYTES);
      })
    );
    this.#reads = done;
    return done;
  }

  /** Closes the segment's descriptors (reopened on next use). Safe to call twice. */
  close(): void {
    for (const f of [this.#log, this.#idx, this.#reader]) f.release();
  }

  /** Closes and deletes both files. */
  async remove(): Promise<void> {
    this.close();
    await this.#pool.files.remove(this.logPath).catch(() => {});
    await this.#pool.files.remove(this.idxPath).catch(() => {});
  }
}

async function readValid(file: LayerFile, e: IndexEntry): Promise<boolean> {
  const bytes = await readAt(file, e.position, RECORD_HEADER_BYTES + e.blobLength);
  return recordIsValid(bytes, 0);
}

/** Reads up to `length` bytes at `position` (fewer at end of file). */
async function readAt(file: LayerFile, position: number, length: number): Promise<Uint8Array> {
  await file.seek(position, Deno.SeekMode.Start);
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = await file.read(out.subarray(got));
    if (n === null) break;
    got += n;
  }
  return out.subarray(0, got);
}

/**
 * Writes all of `bytes` with blocking writes on the calling thread: an append
 * only copies into the page cache (fdatasync, which waits for the disk, stays
 * async), and a blocking write costs a syscall where an async one also costs
 * a hand-off to a worker thread and back — measured, a tenth of the broker's
 * CPU at a million messages a second.
 */
function writeAll(file: LayerFile, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
}

/**
 * The segment files of one partition under `<dir>`: recovery on open,
 * appends that roll to a new segment past `segmentBytes`, reads by location,
 * and deletion of whole old segments for retention.
 *
 * @module
 */
import type { FdPool } from "../../fs/fd_pool.ts";
import type { HighWater } from "./high_water.ts";
import { encodeRecordHeader, RECORD_HEADER_BYTES, type RecordHeader } from "./record.ts";
import { type IndexEntry, Segment, type SegmentRepair } from "./segment.ts";

/** Where a batch lies on disk: what `StoredBatch.loc` holds for a persisted batch. */
export interface BatchLocation {
  /** Segment holding the batch. */
  files: PartitionFiles;
  /** Segment holding the batch. */
  segment: Segment;
  /** Index entry of the batch. */
  entry: IndexEntry;
}

/** Header fields of a batch to append. */
export type RecordInput = Omit<RecordHeader, "blobLength">;

/** What retention removed. */
export interface Removed {
  /** Segments deleted. */
  segments: number;
  /** First offset still retained afterwards. */
  start: number;
  /** Bytes deleted. */
  bytes: number;
}

/** The segments of one partition. */
export class PartitionFiles {
  /** Directory of the partition's segments. */
  readonly dir: string;
  /** Size at which a segment is rolled. */
  readonly segmentBytes: number;
  /** Segments, oldest first. */
  readonly segments: Segment[];
  /** The high-water state (see `high_water.ts`); set by the storage. */
  highWater: HighWater | undefined;
  /** Messages lost in this partition: at recovery, and batches that failed their CRC when read. */
  lostMessages = 0;
  #corrupt = new Set<number>();
  #pool: FdPool;

  private constructor(pool: FdPool, dir: string, segmentBytes: number, segments: Segment[]) {
    this.#pool = pool;
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.segments = segments;
  }

  /**
   * Opens (creating when missing) and recovers a partition's segments,
   * repairing each one's tail; `repair` accumulates what was fixed.
   */
  static async open(
    pool: FdPool,
    dir: string,
    segmentBytes: number,
    repair: SegmentRepair,
  ): Promise<PartitionFiles> {
    await pool.files.mkdir(dir);
    const bases = await segmentBases(pool, dir);
    const segments: Segment[] = [];
    for (const base of bases) segments.push(await Segment.recover(pool, dir, base, repair));
    if (segments.length === 0) segments.push(await Segment.create(pool, dir, 0));
    return new PartitionFiles(pool, dir, segmentBytes, segments);
  }

  /** Offset after the last record any segment's index named at recovery (valid or not). */
  get indexedEnd(): number {
    return Math.max(0, ...this.segments.map((s) => s.indexedEnd));
  }

  /**
   * Starts a new segment at `offset` (past the end): the log's next epoch.
   * Offsets between the old end and `offset` stay empty.
   *
   * @throws {RangeError} when `offset` is below the end
   */
  async startAt(offset: number): Promise<void> {
    if (offset < this.endOffset) {
      throw new RangeError(`a new epoch must start at or past ${this.endOffset}, got ${offset}`);
    }
    if (offset === this.endOffset) return;
    const active = this.segments.at(-1)!;
    await active.sync();
    if (active.entries.length === 0) {
      this.segments.pop();
      await active.remove();
    }
    this.segments.push(await Segment.create(this.#pool, this.dir, offset));
  }

  /** Every batch on disk, in offset order. */
  locations(): BatchLocation[] {
    return this.segments.flatMap((segment) =>
      segment.entries.map((entry) => ({ files: this, segment, entry }))
    );
  }

  /** Offset after the last stored batch. */
  get endOffset(): number {
    return this.segments.at(-1)!.endOffset;
  }

  /** Bytes in all `.log` files. */
  get bytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /**
   * Appends a batch (rolling to a new segment when the active one is full).
   * Callers serialise appends per partition. Throws the write error (disk
   * full…) with nothing half-written left behind.
   */
  async append(h: RecordInput, blob: Uint8Array): Promise<BatchLocation> {
    const { baseOffset } = h;
    const size = RECORD_HEADER_BYTES + blob.length;
    let active = this.segments.at(-1)!;
    if (active.size > 0 && active.size + size > this.segmentBytes) {
      await active.sync(); // a closed segment is complete on disk before the next one starts
      active = await Segment.create(this.#pool, this.dir, baseOffset);
      this.segments.push(active);
    }
    const header = encodeRecordHeader(h, blob);
    const entry = await active.append(header, blob, { ...h, blobLength: blob.length });
    return { files: this, segment: active, entry };
  }

  /** Counts a batch that failed its CRC when read (once per batch); returns whether it was new. */
  noteCorrupt(entry: IndexEntry): boolean {
    if (this.#corrupt.has(entry.baseOffset)) return false;
    this.#corrupt.add(entry.baseOffset);
    this.lostMessages += entry.count;
    return true;
  }

  /** fdatasync of the active segment. */
  sync(): Promise<void> {
    return this.segments.at(-1)!.sync();
  }

  /** Reads a batch's blob; undefined when it fails its CRC. */
  read(loc: BatchLocation): Promise<Uint8Array | undefined> {
    return loc.segment.read(loc.entry);
  }

  /**
   * Deletes closed segments, oldest first, while `shouldRemove` says so.
   * The active segment is never removed.
   */
  async removeOldest(shouldRemove: (s: Segment, bytesLeft: number) => boolean): Promise<Removed> {
    const out: Removed = { segments: 0, start: this.segments[0].base, bytes: 0 };
    let bytesLeft = this.bytes;
    while (this.segments.length > 1 && shouldRemove(this.segments[0], bytesLeft)) {
      const s = this.segments.shift()!;
      bytesLeft -= s.size;
      out.bytes += s.size;
      out.segments++;
      await s.remove();
    }
    out.start = this.segments[0].entries[0]?.baseOffset ?? this.segments[0].base;
    return out;
  }

  /** Closes every segment. */
  close(): void {
    for (const s of this.segments) s.close();
  }
}

/** Base offsets of the segments in `dir`, ascending. */
export async function segmentBases(pool: FdPool, dir: string): Promise<number[]> {
  const bases: number[] = [];
  for await (const e of pool.files.readDir(dir)) {
    const m = /^(\d{20})\.log$/.exec(e.name);
    if (m && e.isFile) bases.push(Number(m[1]));
  }
  return bases.sort((a, b) => a - b);
}

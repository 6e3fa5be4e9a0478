/**
 * The part of a GPU file that is committed (its rounds' journal entries are
 * durable) but not yet written to the file: a checkpoint writes it later.
 * Reads of the file go through {@linkcode FileTail.read}, which takes what
 * the file holds from disk and the rest from memory, so a reader never
 * notices when a line reaches the disk.
 *
 * @module
 */

import { readRange } from "../datadir/jsonl_files.ts";

interface Chunk {
  /** File offset of the chunk's first byte. */
  offset: number;
  bytes: Uint8Array;
  /** Taken by a flush in progress. */
  taken: boolean;
}

/** What {@linkcode FileTail.take} hands a flush. */
export interface TailFlush {
  /** File offset the bytes go to: the bytes the file held before. */
  from: number;
  /** The bytes, in one piece. */
  bytes: Uint8Array;
}

/** A GPU file's committed bytes beyond what the file holds. */
export class FileTail {
  #written: number;
  #size: number;
  #chunks: Chunk[] = [];

  /**
   * Creates an empty tail for a file of `written` bytes.
   * @param written the bytes the file holds
   */
  constructor(written: number) {
    this.#written = written;
    this.#size = written;
  }

  /** Bytes the file holds. */
  get written(): number {
    return this.#written;
  }

  /** Bytes committed: the file's size once everything is written. */
  get size(): number {
    return this.#size;
  }

  /** Appends committed bytes (kept by reference: do not change them). */
  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push({ offset: this.#size, bytes, taken: false });
    this.#size += bytes.length;
  }

  /**
   * Takes the bytes not yet taken for a flush, or `undefined` when there are
   * none. They stay readable until {@linkcode flushed}; after a failed flush
   * call {@linkcode release} so the next flush takes them again.
   */
  take(): TailFlush | undefined {
    const chunks = this.#chunks.filter((c) => !c.taken);
    if (chunks.length === 0) return undefined;
    if (this.#chunks.some((c) => c.taken)) {
      throw new Error("FileTail.take: a flush is already in progress");
    }
    const total = chunks.reduce((sum, c) => sum + c.bytes.length, 0);
    const bytes = chunks.length === 1 ? chunks[0].bytes : new Uint8Array(total);
    if (chunks.length > 1) {
      let at = 0;
      for (const c of chunks) {
        bytes.set(c.bytes, at);
        at += c.bytes.length;
      }
    }
    for (const c of chunks) c.taken = true;
    return { from: chunks[0].offset, bytes };
  }

  /** Notes that a flush wrote its bytes: the file holds them now. */
  flushed(flush: TailFlush): void {
    this.#written = flush.from + flush.bytes.length;
    this.#chunks = this.#chunks.filter((c) => c.offset >= this.#written);
  }

  /** Returns the bytes of a failed flush to the ones the next flush takes. */
  release(): void {
    for (const c of this.#chunks) c.taken = false;
  }

  /**
   * Reads `length` bytes at `offset` of the committed file: from the file up
   * to what it holds, the rest from memory.
   *
   * @param path the file
   */
  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(offset + length, this.#size);
    // Taken before any await: what the file holds only grows, and the
    // chunks stay valid, so the two parts fit together.
    const written = this.#written;
    const chunks = this.#chunks;
    if (end <= written) return await readRange(path, offset, end - offset);
    const out = new Uint8Array(Math.max(0, end - offset));
    if (offset < written) out.set(await readRange(path, offset, written - offset));
    for (const c of chunks) {
      const from = Math.max(offset, c.offset);
      const to = Math.min(end, c.offset + c.bytes.length);
      if (from < to) out.set(c.bytes.subarray(from - c.offset, to - c.offset), from - offset);
    }
    return out;
  }
}

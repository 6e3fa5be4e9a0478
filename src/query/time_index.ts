/**
 * A sparse time index over one GPU's JSONL file: every `every` lines form a
 * block with its byte range and the smallest and greatest timestamp in it.
 * A time-window query reads only the blocks whose time range meets the
 * window, so it never scans the whole file, and stays correct when
 * timestamps in the file are out of order. Pure: no I/O.
 *
 * @module
 */

/** One block of consecutive lines. */
export interface IndexBlock {
  /** `seq` (0-based line number) of the block's first line. */
  firstSeq: number;
  /** Byte offset of the block's first line. */
  offset: number;
  /** Lines in the block. */
  count: number;
  /** Bytes in the block, newlines included. */
  bytes: number;
  /** Smallest timestamp (epoch ms) in the block; `Infinity` when it has none. */
  minTs: number;
  /** Greatest timestamp (epoch ms) in the block; `-Infinity` when it has none. */
  maxTs: number;
}

/** Which blocks a query needs. */
export interface BlockQuery {
  /** Inclusive lower time bound (epoch ms). */
  startMs: number;
  /** Inclusive upper time bound (epoch ms). */
  endMs: number;
  /** Only lines with `seq` below this matter. */
  maxSeq: number;
}

/** Default number of lines per block. */
export const DEFAULT_INDEX_EVERY = 64;

/** Sparse timestamp → byte offset index of one file. */
export class TimeIndex {
  readonly #every: number;
  readonly #blocks: IndexBlock[] = [];
  #lines = 0;
  #size = 0;

  /**
   * Creates an index holding one entry every `every` records.
   * @param every lines per block
   * @throws {RangeError} when `every` is not an integer >= 1
   */
  constructor(every: number = DEFAULT_INDEX_EVERY) {
    if (!Number.isSafeInteger(every) || every < 1) {
      throw new RangeError(`TimeIndex: every must be an integer >= 1, got ${every}`);
    }
    this.#every = every;
  }

  /** Lines indexed so far; the `seq` the next line gets. */
  get lines(): number {
    return this.#lines;
  }

  /** Bytes indexed so far: the file's committed size. */
  get size(): number {
    return this.#size;
  }

  /** Blocks so far. */
  get blockCount(): number {
    return this.#blocks.length;
  }

  /** Lines per block. */
  get every(): number {
    return this.#every;
  }

  /** Every block so far, as copies, in file order. */
  blocks(): IndexBlock[] {
    return this.#blocks.map((block) => ({ ...block }));
  }

  /**
   * Every block so far, in file order, without copies: read them at once
   * (the last one changes with the next {@linkcode append}).
   */
  get liveBlocks(): readonly Readonly<IndexBlock>[] {
    return this.#blocks;
  }

  /**
   * An index holding `blocks` (as {@linkcode blocks} returned them, or with
   * `firstSeq` and `offset` left to be derived): it continues where they end.
   *
   * @param every lines per block
   * @param blocks `count`, `bytes`, `minTs`, `maxTs` of each block, in file order
   * @throws {RangeError} when `every` is out of range or a block is empty or too large
   */
  static restore(
    every: number,
    blocks: Iterable<Pick<IndexBlock, "count" | "bytes" | "minTs" | "maxTs">>,
  ): TimeIndex {
    const index = new TimeIndex(every);
    for (const { count, bytes, minTs, maxTs } of blocks) {
      if (!Number.isSafeInteger(count) || count < 1 || count > every || bytes < count) {
        throw new RangeError(`TimeIndex.restore: bad block of ${count} lines, ${bytes} bytes`);
      }
      index.#blocks.push({
        firstSeq: index.#lines,
        offset: index.#size,
        count,
        bytes,
        minTs,
        maxTs,
      });
      index.#lines += count;
      index.#size += bytes;
    }
    return index;
  }

  /**
   * Records the next line of the file.
   *
   * @param ts the line's timestamp in epoch ms, or `NaN` for an unreadable line
   * @param bytes the line's length in bytes, newline included
   */
  append(ts: number, bytes: number): void {
    let block = this.#blocks.at(-1);
    if (block === undefined || block.count >= this.#every) {
      block = {
        firstSeq: this.#lines,
        offset: this.#size,
        count: 0,
        bytes: 0,
        minTs: Infinity,
        maxTs: -Infinity,
      };
      this.#blocks.push(block);
    }
    block.count++;
    block.bytes += bytes;
    if (ts < block.minTs) block.minTs = ts;
    if (ts > block.maxTs) block.maxTs = ts;
    this.#lines++;
    this.#size += bytes;
  }

  /**
   * The blocks that may hold lines of the window, as copies (later appends
   * do not change them), ordered by `minTs` then `firstSeq`.
   */
  candidates(query: BlockQuery): IndexBlock[] {
    const found: IndexBlock[] = [];
    for (const block of this.#blocks) {
      if (block.firstSeq >= query.maxSeq) break;
      const readable = block.minTs <= block.maxTs;
      if (readable && block.maxTs >= query.startMs && block.minTs <= query.endMs) {
        found.push({ ...block });
      }
    }
    return found.sort((a, b) => a.minTs - b.minTs || a.firstSeq - b.firstSeq);
  }
}

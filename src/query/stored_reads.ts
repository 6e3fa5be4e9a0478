/**
 * The read side of one collector dir, shared by the live store
 * (`collect/store.ts`) and the read-only {@linkcode CollectorDirView}: the
 * memory window of recent records, each GPU's file with its time index, and
 * the answers to a {@linkcode TelemetrySource}'s questions from them.
 *
 * @module
 */

import { scanLines } from "../datadir/jsonl_files.ts";
import { parseRecordLine } from "../record/stored_line.ts";
import { type IndexedFile, type ReadCounters, readWindowOrFile } from "./file_reader.ts";
import {
  type AddedEntry,
  type GpuSnapshot,
  type MemoryStats,
  MemoryWindow,
  type MemoryWindowOptions,
  type WindowEntry,
} from "./memory_window.ts";
import type { ReadRequest, TelemetrySource } from "./source.ts";
import { WindowAnswers } from "./window_answers.ts";

/** A GPU file of a collector dir, as the read side follows it. */
export interface GpuFile extends IndexedFile {
  /** File name inside the collector dir. */
  name: string;
}

/** Options of {@linkcode StoredReads}. */
export interface StoredReadsOptions {
  /** The memory window's limits. */
  window: Required<MemoryWindowOptions>;
  /** The counters reads update (the owner's, part of its `stats()`). */
  counters: () => ReadCounters;
  /** The owner's counters, for {@linkcode TelemetrySource.stats}. */
  stats: () => Record<string, number>;
  /** Called before each read; throws when the owner no longer answers (closed). */
  check?: () => void;
}

/** What a {@linkcode StoredReads.scan} read. */
export interface ScanCounts {
  /** Bytes of whole lines scanned (a torn last line is not counted). */
  bytes: number;
  /** Records read back. */
  records: number;
  /** Lines that could not be read back as records. */
  corrupt: number;
}

/**
 * The records one collector dir holds, readable: what is added through
 * {@linkcode add} is answered by {@linkcode read} from memory while the
 * window covers the request, else from the GPU's file through its index.
 *
 * @example
 * ```ts
 * const reads = new StoredReads({ window, counters: () => stats, stats: () => ({ ...stats }) });
 * reads.add(file, { seq: 0, ts, record, json: JSON.stringify(record) });
 * await reads.read(record.gpu_id, request);
 * ```
 */
export class StoredReads<F extends GpuFile = GpuFile> extends WindowAnswers
  implements TelemetrySource {
  readonly #options: StoredReadsOptions;
  #window: MemoryWindow;
  #keys = new Map<string, F>();

  /**
   * Creates an empty read side.
   *
   * @throws {RangeError} when a memory window limit is out of range
   */
  constructor(options: StoredReadsOptions) {
    super();
    this.#options = options;
    this.#window = new MemoryWindow(options.window);
  }

  /** The memory window. */
  override get window(): MemoryWindow {
    return this.#window;
  }

  /** The file a GPU's records are in, or `undefined`. */
  fileOf(gpuId: string): F | undefined {
    return this.#keys.get(gpuId);
  }

  /**
   * Makes an entry readable: its GPU's file is `file` from now on (the first
   * file a GPU is seen in keeps it), and the entry joins the memory window.
   */
  add(file: F, entry: AddedEntry): void {
    const gpuId = entry.record.gpu_id;
    if (!this.#keys.has(gpuId)) this.#keys.set(gpuId, file);
    this.#window.add(entry);
  }

  /**
   * Indexes the whole lines a GPU file holds past what its index covers, up
   * to byte `upTo`, and makes each record read back readable.
   *
   * @returns what was scanned: bytes of whole lines, records, and lines that were none
   * @throws {Error} what the file system throws (`NotFound` when the file is gone)
   */
  async scan(file: F, upTo: number): Promise<ScanCounts> {
    const counts: ScanCounts = { bytes: 0, records: 0, corrupt: 0 };
    counts.bytes = await scanLines(file.path, upTo, (line) => {
      const parsed = parseRecordLine(line);
      const seq = file.index.lines;
      file.index.append(parsed?.ts ?? NaN, line.length + 1);
      if (parsed === undefined) {
        counts.corrupt++;
        return;
      }
      counts.records++;
      this.add(file, { seq, ...parsed });
    }, file.index.size);
    return counts;
  }

  /**
   * Restores what an earlier process knew of a GPU (see
   * `MemoryWindow.restoreGpu`), before any record of it is added: its file
   * is `file`, its metadata `snapshot`, and its records not added are taken
   * to be as recent as `evictedMaxTs`.
   *
   * @throws {RangeError} when the GPU is known already
   */
  restoreGpu(file: F, snapshot: GpuSnapshot, evictedMaxTs: number): void {
    this.#window.restoreGpu(snapshot, evictedMaxTs);
    this.#keys.set(snapshot.info.id, file);
  }

  /**
   * Adds the records of the whole lines in bytes `[from.offset, upTo)` of a
   * file its index already covers to the memory window, without indexing
   * them again: a restart refilling the window from each file's newest lines.
   *
   * @param from the byte offset and `seq` of a line's start
   * @returns the records added
   * @throws {Error} what the file system throws
   */
  async refill(file: F, from: { offset: number; seq: number }, upTo: number): Promise<number> {
    let seq = from.seq;
    let records = 0;
    await scanLines(file.path, upTo, (line) => {
      const parsed = parseRecordLine(line);
      if (parsed !== undefined) {
        this.add(file, { seq, ...parsed });
        records++;
      }
      seq++;
    }, from.offset);
    return records;
  }

  /** Forgets every record and file: the owner starts over. */
  reset(): void {
    this.#window = new MemoryWindow(this.#options.window);
    this.#keys = new Map();
  }

  /** Lines indexed in the GPU's file (0 when unknown): the next page's high-water mark. */
  highWater(gpuId: string): number {
    return this.#keys.get(gpuId)?.index.lines ?? 0;
  }

  /**
   * Entries of a GPU for a request, sorted by `(ts, seq)`: from memory when
   * the memory window covers the window, else from the file via its index.
   *
   * @throws {Error} what the owner's `check` throws (e.g. the store is closed)
   * @throws {StorageReadError} when the file cannot be read
   */
  async read(gpuId: string, request: ReadRequest): Promise<WindowEntry[]> {
    this.#options.check?.();
    const counters = this.#options.counters();
    return await readWindowOrFile(this.#window, this.#keys.get(gpuId), gpuId, request, counters);
  }

  /** The owner's counters. */
  stats(): Record<string, number> {
    return this.#options.stats();
  }

  /** The memory window's limits and usage. */
  memoryStats(): MemoryStats {
    return this.#window.memoryStats();
  }
}

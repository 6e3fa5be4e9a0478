/**
 * A bounded pool of open files over a {@linkcode FileLayer}: a
 * {@linkcode PooledFile} opens its file on first use and the pool closes the
 * least recently used idle ones past its capacity, so a broker with many
 * topics and segments holds a bounded number of descriptors. fdatasync
 * works on the file, not the descriptor: data written through a descriptor
 * the pool closed is synced by the next one.
 *
 * @module
 */
import type { FileLayer, LayerFile } from "./file_layer.ts";

/** Default {@linkcode FdPool} capacity: descriptors the broker's log keeps open at most. */
export const DEFAULT_MAX_OPEN_FILES = 256;

/** Counters of a pool. */
export interface FdPoolCounters {
  /** Descriptors open now. */
  open: number;
  /** Opens (first use, and reopening after an eviction). */
  opens: number;
  /** Descriptors closed to stay within capacity. */
  evictions: number;
}

/** A bounded set of open descriptors, least recently used closed first. */
export class FdPool {
  /** The file layer files are opened through. */
  readonly files: FileLayer;
  /** Most descriptors kept open while idle. */
  readonly capacity: number;
  /** Open, open and eviction counts. */
  readonly counters: FdPoolCounters = { open: 0, opens: 0, evictions: 0 };
  #lru = new Set<PooledFile>();

  /**
   * Creates it.
   *
   * @param files the file layer
   * @param capacity most descriptors kept open while idle
   * @throws {RangeError} when capacity is not a positive integer
   */
  constructor(files: FileLayer, capacity = DEFAULT_MAX_OPEN_FILES) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`open-file capacity must be a positive integer, got ${capacity}`);
    }
    this.files = files;
    this.capacity = capacity;
  }

  /** A file of the pool, opened on first use with `options`. */
  file(path: string, options: Deno.OpenOptions): PooledFile {
    return new PooledFile(this, path, options);
  }

  /** @internal a file just opened or used: newest in the order; closes idle ones past capacity */
  touch(f: PooledFile): void {
    this.#lru.delete(f);
    this.#lru.add(f);
    if (this.#lru.size <= this.capacity) return;
    for (const old of this.#lru) {
      if (this.#lru.size <= this.capacity) break;
      if (old.busy || old === f) continue;
      old.release();
      this.counters.evictions++;
    }
  }

  /** @internal a file closed */
  forget(f: PooledFile): void {
    if (this.#lru.delete(f)) this.counters.open--;
  }

  /** @internal a file opened */
  opened(f: PooledFile): void {
    this.counters.open++;
    this.counters.opens++;
    this.touch(f);
  }
}

/** One file of an {@linkcode FdPool}. */
export class PooledFile {
  /** The file's path. */
  readonly path: string;
  #pool: FdPool;
  #options: Deno.OpenOptions;
  #file: LayerFile | undefined;
  #opening: Promise<LayerFile> | undefined;
  #users = 0;

  /** @internal use {@linkcode FdPool.file} */
  constructor(pool: FdPool, path: string, options: Deno.OpenOptions) {
    this.#pool = pool;
    this.path = path;
    this.#options = options;
  }

  /** Whether a caller is using the descriptor now (it is not evicted then). */
  get busy(): boolean {
    return this.#users > 0 || this.#opening !== undefined;
  }

  /**
   * Runs `fn` with the open descriptor; it stays open until `fn` settles.
   * Do not keep the descriptor past `fn`.
   */
  async use<T>(fn: (f: LayerFile) => Promise<T> | T): Promise<T> {
    this.#users++;
    try {
      const f = this.#file ?? await (this.#opening ??= this.#open(this.#options));
      this.#pool.touch(this);
      return await fn(f);
    } finally {
      this.#users--;
    }
  }

  async #open(options: Deno.OpenOptions): Promise<LayerFile> {
    try {
      const f = await this.#pool.files.open(this.path, options);
      // Reopening after an eviction must not truncate, or fail on the existing file.
      this.#options = { ...options, truncate: false, createNew: false };
      this.#file = f;
      this.#pool.opened(this);
      return f;
    } finally {
      this.#opening = undefined;
    }
  }

  /** Closes the descriptor (it is reopened on next use). */
  release(): void {
    const f = this.#file;
    this.#file = undefined;
    this.#pool.forget(this);
    try {
      f?.close();
    } catch {
      // already closed
    }
  }
}

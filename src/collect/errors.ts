/**
 * Errors that callers of the collector's write side (the store) catch.
 *
 * @module
 */

/** Another process holds the collector's data dir. */
export class StoreLockedError extends Error {
  /** The data dir that is in use. */
  readonly dir: string;
  /** The pid written by the holder, when it could be read. */
  readonly pid: number | undefined;

  /**
   * Creates the error.
   * @param dir the locked dir
   * @param pid the holder's pid, if known
   * @param options the cause
   */
  constructor(dir: string, pid: number | undefined, options?: ErrorOptions) {
    super(
      `data dir ${dir} is in use by another collector (pid ${
        pid ?? "unknown"
      }); give each collector its own --id`,
      options,
    );
    this.name = "StoreLockedError";
    this.dir = dir;
    this.pid = pid;
  }
}

/** The store was used after `close()`. */
export class StoreClosedError extends Error {
  /**
   * Creates the error.
   * @param dir the store's dir
   * @param options the cause
   */
  constructor(dir: string, options?: ErrorOptions) {
    super(`collector store ${dir} is closed`, options);
    this.name = "StoreClosedError";
  }
}

/**
 * A write failed in a way the store could not undo (a file could not be cut
 * back after a failed append). The store refuses further writes; restart the
 * collector so recovery cuts every file back to its checkpoint.
 */
export class StoreFailedError extends Error {
  /**
   * Creates the error.
   * @param dir the store's dir
   * @param options the cause
   */
  constructor(dir: string, options?: ErrorOptions) {
    super(
      `collector store ${dir} failed and refuses writes; restart the collector to recover`,
      options,
    );
    this.name = "StoreFailedError";
  }
}

/**
 * A round was refused because too many committed bytes wait for a
 * checkpoint that keeps failing (their files cannot be written). Nothing is
 * lost: the round was not stored, so the collector does not ack it and the
 * broker delivers it again.
 */
export class StoreBackloggedError extends Error {
  /**
   * Creates the error.
   * @param dir the store's dir
   * @param unflushed bytes waiting for a checkpoint
   * @param limit the store's `maxUnflushedBytes`
   * @param options the cause: the last checkpoint's error
   */
  constructor(dir: string, unflushed: number, limit: number, options?: ErrorOptions) {
    const mib = (n: number) => n < 1048576 ? `${n} bytes` : `${(n / 1048576).toFixed(1)} MiB`;
    super(
      `collector store ${dir}: ${mib(unflushed)} of records wait for a checkpoint ` +
        `(limit ${mib(limit)}) and the checkpoint failed` +
        (options?.cause === undefined ? "" : ` (${String(options.cause)})`) +
        "; refusing new records until the GPU files can be written (check disk space and permissions)",
      options,
    );
    this.name = "StoreBackloggedError";
  }
}

/**
 * The data dir holds GPU files but no checkpoint of them (`checkpoint.kv`
 * missing or replaced). Recovery would have to delete them all, so the store
 * refuses to open instead.
 */
export class StoreDataError extends Error {
  /** The data dir. */
  readonly dir: string;
  /**
   * Creates the error.
   * @param dir the data dir
   * @param files how many GPU files it holds
   */
  constructor(dir: string, files: number) {
    super(
      `data dir ${dir} holds ${files} GPU files but no checkpoint.kv that covers them; ` +
        "move them out of the way or give this collector another --id",
    );
    this.name = "StoreDataError";
    this.dir = dir;
  }
}

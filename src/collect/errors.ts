/**
 * Errors that callers of the collector's storage and query side catch.
 *
 * @module
 */

/** A broker message that cannot become a {@linkcode TelemetryRecord}. */
export class RecordError extends Error {
  /**
   * Creates the error.
   * @param message what is wrong with the message
   * @param options the cause
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RecordError";
  }
}

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

/** A telemetry query named a GPU no source knows. */
export class UnknownGpuError extends Error {
  /** The GPU id asked for. */
  readonly gpuId: string;
  /**
   * Creates the error.
   * @param gpuId the unknown id
   */
  constructor(gpuId: string) {
    super(`unknown GPU ${JSON.stringify(gpuId)}`);
    this.name = "UnknownGpuError";
    this.gpuId = gpuId;
  }
}

/** A query parameter is invalid (a cursor that is not ours, end before start, …). */
export class QueryError extends Error {
  /** The parameter at fault, e.g. `cursor`. */
  readonly param: string;
  /**
   * Creates the error.
   * @param param the parameter
   * @param message what is wrong
   */
  constructor(param: string, message: string) {
    super(`${param}: ${message}`);
    this.name = "QueryError";
    this.param = param;
  }
}

/** A query named a host no GPU reports. */
export class UnknownHostError extends Error {
  /** The hostname asked for. */
  readonly hostname: string;
  /**
   * Creates the error.
   * @param hostname the unknown hostname
   */
  constructor(hostname: string) {
    super(`unknown host ${JSON.stringify(hostname)}`);
    this.name = "UnknownHostError";
    this.hostname = hostname;
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

/**
 * Reading stored telemetry failed (a file vanished, became unreadable, or
 * the data dir could not be listed). The query API answers 503: the request
 * was fine, the storage was not.
 */
export class StorageReadError extends Error {
  /** The file or dir that could not be read. */
  readonly path: string;

  /**
   * Creates the error.
   * @param path the file or dir that could not be read
   * @param options the cause
   */
  constructor(path: string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`cannot read stored telemetry at ${path}${why}`, options);
    this.name = "StorageReadError";
    this.path = path;
  }
}

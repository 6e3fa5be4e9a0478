/**
 * Errors that callers of the read side (queries over stored telemetry) catch.
 *
 * @module
 */

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

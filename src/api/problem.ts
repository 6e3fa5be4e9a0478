/**
 * The query API's problems: a type URI per kind of failure, and the mapping
 * of errors to RFC 9457 problem details (`src/obs/problem.ts`).
 *
 * @module
 */

import {
  QueryError,
  StorageReadError,
  UnknownGpuError,
  UnknownHostError,
} from "../query/errors.ts";
import { StoreClosedError, StoreFailedError } from "../collect/errors.ts";
import type { InvalidParam, Problem } from "../obs/problem.ts";

export { type InvalidParam, type Problem, PROBLEM_CONTENT_TYPE } from "../obs/problem.ts";

/** Problem type URIs, one per kind of failure. */
export const PROBLEM_TYPES = {
  badParameter: "urn:gputel:problem:bad-parameter",
  unknownGpu: "urn:gputel:problem:unknown-gpu",
  unknownHost: "urn:gputel:problem:unknown-host",
  notFound: "urn:gputel:problem:not-found",
  starting: "urn:gputel:problem:starting",
  storage: "urn:gputel:problem:storage",
  internal: "urn:gputel:problem:internal",
} as const;

const TITLES: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** An error that becomes a problem response; thrown by handlers and the validation hook. */
export class HttpProblem extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Problem type URI. */
  readonly type: string;
  /** Bad parameters, for 400. */
  readonly invalidParams: InvalidParam[] | undefined;

  /**
   * Creates the problem.
   *
   * @param status HTTP status
   * @param type problem type URI (see {@linkcode PROBLEM_TYPES})
   * @param detail what went wrong and what to do
   * @param invalidParams for 400: each bad parameter
   */
  constructor(status: number, type: string, detail: string, invalidParams?: InvalidParam[]) {
    super(detail);
    this.name = "HttpProblem";
    this.status = status;
    this.type = type;
    this.invalidParams = invalidParams;
  }
}

/** A 400 for one bad parameter. */
export function badParameter(name: string, reason: string): HttpProblem {
  return new HttpProblem(400, PROBLEM_TYPES.badParameter, `${name}: ${reason}`, [{ name, reason }]);
}

/**
 * Maps any error to a problem: {@linkcode HttpProblem} as is, query errors
 * to 400, unknown GPU or host to 404, a closed store and storage failures
 * to 503, anything else to a 500 whose detail reveals nothing internal.
 *
 * @param error what was thrown
 * @param instance the request path
 * @returns the problem and whether it is an internal or storage error (to be logged)
 */
export function toProblem(
  error: unknown,
  instance: string,
): { problem: Problem; internal: boolean } {
  let status = 500;
  let type: string = PROBLEM_TYPES.internal;
  let detail = "internal error; see the collector's log";
  let invalid: InvalidParam[] | undefined;
  if (error instanceof HttpProblem) {
    ({ status, type, message: detail, invalidParams: invalid } = error);
  } else if (error instanceof QueryError) {
    [status, type, detail] = [400, PROBLEM_TYPES.badParameter, error.message];
    invalid = [{ name: error.param, reason: error.message.slice(error.param.length + 2) }];
  } else if (error instanceof UnknownGpuError) {
    [status, type, detail] = [
      404,
      PROBLEM_TYPES.unknownGpu,
      `${error.message}; list GPUs at /api/v1/gpus`,
    ];
  } else if (error instanceof UnknownHostError) {
    [status, type, detail] = [
      404,
      PROBLEM_TYPES.unknownHost,
      `${error.message}; list hosts at /api/v1/hosts`,
    ];
  } else if (error instanceof StoreClosedError) {
    [status, type, detail] = [503, PROBLEM_TYPES.starting, "the collector is shutting down"];
  } else if (error instanceof StorageReadError || error instanceof StoreFailedError) {
    [status, type, detail] = [
      503,
      PROBLEM_TYPES.storage,
      "reading or writing stored telemetry failed; retry shortly, and see the server's log",
    ];
  }
  const problem: Problem = { type, title: TITLES[status] ?? "Error", status, detail, instance };
  if (invalid !== undefined) problem.invalid_params = invalid;
  return { problem, internal: status === 500 || type === PROBLEM_TYPES.storage };
}

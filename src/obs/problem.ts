/**
 * RFC 9457 problem details: the one error body of every gputel HTTP server
 * (query API, broker admin API, the HTTP guard in front of both).
 *
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The media type of problem bodies. */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** One invalid parameter. */
export interface InvalidParam {
  /** Parameter name, e.g. `limit`. */
  name: string;
  /** What is wrong with it. */
  reason: string;
}

/** An RFC 9457 problem details object. */
export interface Problem {
  /** URI naming the kind of problem. */
  type: string;
  /** Short summary of the kind (the HTTP reason phrase). */
  title: string;
  /** HTTP status code. */
  status: number;
  /** What went wrong this time and what to do. */
  detail: string;
  /** The request path. */
  instance?: string;
  /** For bad parameters: each one and why. */
  invalid_params?: InvalidParam[];
}

/** A response carrying `problem` as its `application/problem+json` body, with its status. */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
  });
}

/** Answers with an `application/problem+json` body of type `about:blank`. */
export function problem(
  c: Context,
  status: ContentfulStatusCode,
  title: string,
  detail: string,
): Response {
  return c.body(
    JSON.stringify({ type: "about:blank", title, status, detail, instance: c.req.path }),
    status,
    { "content-type": PROBLEM_CONTENT_TYPE },
  );
}

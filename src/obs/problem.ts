/**
 * RFC 9457 problem details for hono handlers.
 *
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Content type of problem details. */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Answers with an `application/problem+json` body. */
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

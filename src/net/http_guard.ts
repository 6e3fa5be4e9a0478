/**
 * The gate in front of both HTTP APIs (broker admin, query API): a URL
 * length limit (414), a bearer token when one is configured (401 with
 * `WWW-Authenticate: Bearer`; `GET /health` stays open), and a body size
 * limit (413). Every refusal is an RFC 9457 problem and is counted.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { problemResponse } from "../obs/problem.ts";
import { bearerToken, TokenCheck } from "./token.ts";

import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_URL_LENGTH } from "./http_limits.ts";

/** Default {@linkcode HttpGuardOptions.openPaths}: the liveness probe. */
export const DEFAULT_OPEN_PATHS: readonly string[] = ["/health"];

/** Options of {@linkcode httpGuard}. */
export interface HttpGuardOptions {
  /** Required as `Authorization: Bearer <token>`; unset or empty lets every request in. */
  token?: string;
  /** Largest request body, bytes. @default {DEFAULT_MAX_BODY_BYTES} */
  maxBodyBytes?: number;
  /** Longest request URL (scheme to query), characters. @default {DEFAULT_MAX_URL_LENGTH} */
  maxUrlLength?: number;
  /** Paths served without a token (GET only). @default {DEFAULT_OPEN_PATHS} */
  openPaths?: readonly string[];
  /** Where refusals are counted. */
  counters?: HttpGuardCounters;
}

/** What the guard refused. */
export interface HttpGuardCounters {
  /** Requests without the right bearer token. */
  unauthorized: number;
  /** Requests whose URL was too long. */
  uriTooLong: number;
  /** Requests whose body was too large. */
  bodyTooLarge: number;
}

/** A fresh set of zero counters. */
export function newHttpGuardCounters(): HttpGuardCounters {
  return { unauthorized: 0, uriTooLong: 0, bodyTooLarge: 0 };
}

/**
 * Fills in defaults and checks {@linkcode HttpGuardOptions}.
 *
 * @throws {RangeError} naming the field that is out of range
 */
export function resolveHttpGuardOptions(
  o: HttpGuardOptions = {},
): Required<Omit<HttpGuardOptions, "token">> & { token: string } {
  const r = {
    token: o.token ?? "",
    maxBodyBytes: o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxUrlLength: o.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH,
    openPaths: o.openPaths ?? DEFAULT_OPEN_PATHS,
    counters: o.counters ?? newHttpGuardCounters(),
  };
  for (const field of ["maxBodyBytes", "maxUrlLength"] as const) {
    if (!Number.isSafeInteger(r[field]) || r[field] < 1) {
      throw new RangeError(`httpGuard: ${field} must be a positive integer, got ${r[field]}`);
    }
  }
  return r;
}

/** Answers with a problem+json body. */
function refuse(
  c: Context,
  status: 401 | 413 | 414,
  kind: string,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): Response {
  return problemResponse(
    { type: `urn:gputel:problem:${kind}`, title, status, detail, instance: c.req.path },
    headers,
  );
}

/**
 * Builds the guard middleware. Mount it first: `app.use("*", httpGuard(o))`.
 *
 * @throws {RangeError} when an option is out of range
 *
 * @example
 * ```ts
 * const app = new Hono();
 * app.use("*", httpGuard({ token: "s3cret" }));
 * app.get("/health", (c) => c.json({ status: "ok" }));
 * ```
 */
export function httpGuard(options: HttpGuardOptions = {}): MiddlewareHandler {
  const o = resolveHttpGuardOptions(options);
  const check = o.token === "" ? undefined : new TokenCheck(o.token);
  const open = new Set(o.openPaths);
  const limitBody = bodyLimit({
    maxSize: o.maxBodyBytes,
    onError: (c) => {
      o.counters.bodyTooLarge++;
      return refuse(
        c,
        413,
        "body-too-large",
        "Content Too Large",
        `request bodies are limited to ${o.maxBodyBytes} bytes`,
      );
    },
  });
  return async (c, next) => {
    if (c.req.url.length > o.maxUrlLength) {
      o.counters.uriTooLong++;
      return refuse(
        c,
        414,
        "uri-too-long",
        "URI Too Long",
        `request URLs are limited to ${o.maxUrlLength} characters`,
      );
    }
    const isOpen = c.req.method === "GET" && open.has(c.req.path);
    if (check && !isOpen && !check.matches(bearerToken(c.req.header("authorization")))) {
      o.counters.unauthorized++;
      return refuse(
        c,
        401,
        "unauthorized",
        "Unauthorized",
        "a token is required: send it as 'Authorization: Bearer <token>'",
        { "www-authenticate": 'Bearer realm="gputel"' },
      );
    }
    return await limitBody(c, next);
  };
}

/**
 * The query API: a hono app whose routes, parameter validation and OpenAPI
 * 3.1 document come from one set of zod route definitions. Every error is an
 * RFC 9457 problem from one `onError`.
 *
 * @module
 */

import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { ApiReader } from "./reader.ts";
import { StorageReadError } from "../query/errors.ts";
import { httpGuard, type HttpGuardOptions } from "../net/http_guard.ts";
import type { TelemetryReader } from "../query/query.ts";
import { renderMetrics } from "./metrics.ts";
import { isDashboardPath, mountDashboard, openWithDashboard } from "./dashboard/mod.ts";
import { mountOpsRoutes } from "./ops_routes.ts";
import { DEFAULT_MAX_WINDOW_MS } from "./query_window.ts";
import { HttpProblem, PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, toProblem } from "./problem.ts";
import { mountGpuRoutes, mountHostRoutes, mountStatusRoutes } from "./query_routes.ts";

/** What the API serves from. Small, so tests and other roles can fake it. */
export interface ApiDeps {
  /**
   * The read side (e.g. `new TelemetryQuery([store.reads])`); `undefined` while
   * the collector is still opening its store, which the API answers with 503.
   * Called once per request with its context (a reader may read its query
   * parameters or set response headers).
   */
  reader(c: Context): ApiReader | undefined;
  /** Extra counters for `/stats` (subscriber, broker client, …), merged at top level. */
  stats?(): Record<string, unknown>;
  /** Called with each error that became a 500 or a storage 503, for the log. */
  onInternalError?(error: unknown): void;
  /**
   * Brings the read side up to date before a route reads it (the `api` role
   * follows files other processes write). A rejection answers 503.
   */
  refresh?(): Promise<void>;
  /** The role's own counters for `/metrics` (deliveries, nacks, …). */
  counters?(): Record<string, number>;
  /**
   * The `/metrics` text, when the role makes it itself (the federated `api`
   * role merges its collectors'); otherwise rendered from the reader, which
   * must then be a `TelemetryReader`.
   */
  metrics?(c: Context): Promise<string>;
}

/** Options of {@linkcode createApiApp}. */
export interface ApiOptions {
  /**
   * `info.title` of the OpenAPI document.
   * @default {DEFAULT_API_TITLE}
   */
  title?: string;
  /**
   * `info.version` of the OpenAPI document.
   * @default {DEFAULT_API_VERSION}
   */
  version?: string;
  /**
   * Widest `start_time`..`end_time` window a telemetry query may ask for, ms.
   * @default {DEFAULT_MAX_WINDOW_MS}
   */
  maxWindowMs?: number;
  /** Bearer token and HTTP limits, checked before any route (see `httpGuard`). @default {{}} */
  guard?: HttpGuardOptions;
}

/** Default of {@linkcode ApiOptions.title}. */
export const DEFAULT_API_TITLE = "gputel query API";
/** Default of {@linkcode ApiOptions.version}. */
export const DEFAULT_API_VERSION = "0.1.0";

/**
 * Fills in defaults and checks {@linkcode ApiOptions}.
 *
 * @throws {RangeError} naming the field when one is empty
 */
export function resolveApiOptions(options: ApiOptions = {}): Required<ApiOptions> {
  const resolved = {
    title: options.title ?? DEFAULT_API_TITLE,
    version: options.version ?? DEFAULT_API_VERSION,
  };
  for (const [field, value] of Object.entries(resolved)) {
    if (typeof value !== "string" || value === "") {
      throw new RangeError(`createApiApp: ${field} must be a non-empty string`);
    }
  }
  const maxWindowMs = options.maxWindowMs ?? DEFAULT_MAX_WINDOW_MS;
  if (!(Number.isSafeInteger(maxWindowMs) && maxWindowMs >= 1)) {
    throw new RangeError(
      `createApiApp: maxWindowMs must be a positive integer, got ${maxWindowMs}`,
    );
  }
  return { ...resolved, maxWindowMs, guard: options.guard ?? {} };
}

/**
 * Creates the query API app. Serve it with `Deno.serve(app.fetch)`; test it
 * with `app.request(path)`.
 *
 * @param deps the read side and extra stats
 * @param options OpenAPI document info
 * @returns the app
 * @throws {RangeError} when an option is invalid
 *
 * @example
 * ```ts
 * const app = createApiApp({ reader: () => new TelemetryQuery([store.reads]) });
 * const res = await app.request("/api/v1/gpus");
 * ```
 */
export function createApiApp(deps: ApiDeps, options: ApiOptions = {}): OpenAPIHono {
  const { title, version, maxWindowMs, guard } = resolveApiOptions(options);
  const app = new OpenAPIHono({ defaultHook: throwInvalidParameters });

  app.onError((error, c) => {
    const { problem, internal } = toProblem(error, c.req.path);
    if (internal) deps.onInternalError?.(error);
    const headers: Record<string, string> = { "content-type": PROBLEM_CONTENT_TYPE };
    if (problem.status === 503) headers["retry-after"] = "1";
    return c.body(JSON.stringify(problem), problem.status as 400, headers);
  });
  app.notFound((c) => {
    throw new HttpProblem(
      404,
      PROBLEM_TYPES.notFound,
      `no route ${c.req.method} ${c.req.path}; the API is described at /openapi.json`,
    );
  });

  app.use("*", httpGuard(openWithDashboard(guard)));
  if (deps.refresh !== undefined) app.use("*", refreshFirst(deps.refresh));

  const reader = (c: Context): ApiReader => {
    const found = deps.reader(c);
    if (found === undefined) {
      throw new HttpProblem(
        503,
        PROBLEM_TYPES.starting,
        "the collector is starting; retry shortly",
      );
    }
    return found;
  };

  mountStatusRoutes(app, reader, deps.stats);
  mountGpuRoutes(app, reader, maxWindowMs);
  mountHostRoutes(app, reader);
  mountOpsRoutes(app, {
    metrics: deps.metrics ?? ((c) =>
      Promise.resolve(renderMetrics({
        reader: reader(c) as TelemetryReader,
        counters: deps.counters?.(),
      }))),
  });
  mountDashboard(app);

  app.doc31("/openapi.json", { openapi: "3.1.0", info: { title, version } });
  return app;
}

/** The validation hook: a request that fails its route's schema is a 400 problem naming each bad parameter once. */
function throwInvalidParameters(
  result: { success: true } | { success: false; error: z.ZodError },
): void {
  if (result.success) return;
  const seen = new Set<string>();
  const invalid = result.error.issues.map((issue) => ({
    name: String(issue.path[0] ?? "request"),
    reason: issue.message,
  })).filter((p) => !seen.has(`${p.name}\n${p.reason}`) && seen.add(`${p.name}\n${p.reason}`));
  const detail = invalid.map((p) => `${p.name}: ${p.reason}`).join("; ");
  throw new HttpProblem(400, PROBLEM_TYPES.badParameter, detail, invalid);
}

/**
 * Middleware that brings the read side up to date before a route reads it
 * (not before the docs, the OpenAPI document or the dashboard); a failed
 * refresh answers 503.
 */
function refreshFirst(refresh: () => Promise<void>): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    if (!path.startsWith("/docs") && path !== "/openapi.json" && !isDashboardPath(path)) {
      await refresh().catch((error) => {
        throw error instanceof StorageReadError ? error : new StorageReadError("the data dir", {
          cause: error,
        });
      });
    }
    await next();
  };
}

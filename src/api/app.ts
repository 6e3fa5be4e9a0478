// deno-lint-ignore-file size/max-file-lines -- over the limit until issue 15 splits it
/**
 * The query API: a hono app whose routes, parameter validation and OpenAPI
 * 3.1 document come from one set of zod route definitions. Every error is an
 * RFC 9457 problem from one `onError`.
 *
 * @module
 */

import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ApiReader } from "./reader.ts";
import { StorageReadError } from "../query/errors.ts";
import { parseRfc3339 } from "../record/rfc3339.ts";
import { httpGuard, type HttpGuardOptions } from "../net/http_guard.ts";
import type { TelemetryReader } from "../query/query.ts";
export type { ApiReader } from "./reader.ts";
import { renderMetrics } from "./metrics.ts";
import { isDashboardPath, mountDashboard, openWithDashboard } from "./dashboard/mod.ts";
import { mountOpsRoutes } from "./ops_routes.ts";
import { DEFAULT_MAX_WINDOW_MS } from "./query_window.ts";
import {
  badParameter,
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPES,
  toProblem,
} from "./problem.ts";
import {
  DEFAULT_NEWEST_LIMIT,
  DEFAULT_TELEMETRY_LIMIT,
  GpuIdParams,
  GpuListQuery,
  GpuListSchema,
  HealthSchema,
  HostListSchema,
  HostnameParams,
  LegacyGpuIdParams,
  MemoryStatsSchema,
  NewestQuery,
  NewestSchema,
  ProblemSchema,
  StatsSchema,
  TelemetryPageSchema,
  TelemetryQuerySchema,
} from "./schemas.ts";

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
   * @default {"gputel query API"}
   */
  title?: string;
  /**
   * `info.version` of the OpenAPI document.
   * @default {"0.1.0"}
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

const problem = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});
const ok = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { description, content: { "application/json": { schema } } },
  400: problem("A parameter is invalid"),
  404: problem("Unknown GPU or host"),
  503: problem("The collector is starting"),
});

const get = <P extends string>(path: P, tag: string, summary: string) => ({
  method: "get" as const,
  path,
  tags: [tag],
  summary,
});

const routes = {
  health: createRoute({
    ...get("/health", "ops", "Liveness"),
    responses: ok(HealthSchema, "Ready"),
  }),
  stats: createRoute({
    ...get("/stats", "ops", "Counters"),
    responses: ok(StatsSchema, "Counters"),
  }),
  memory: createRoute({
    ...get("/memory-stats", "ops", "Memory window limits and usage"),
    responses: ok(MemoryStatsSchema, "Limits and usage"),
  }),
  newest: createRoute({
    ...get("/telemetry/{gpu_id}", "telemetry", "Newest records of a GPU, from memory"),
    request: { params: LegacyGpuIdParams, query: NewestQuery },
    responses: ok(NewestSchema, "Newest records, oldest first"),
  }),
  gpus: createRoute({
    ...get("/api/v1/gpus", "gpus", "List GPUs"),
    request: { query: GpuListQuery },
    responses: ok(GpuListSchema, "GPUs"),
  }),
  telemetry: createRoute({
    ...get("/api/v1/gpus/{id}/telemetry", "telemetry", "Telemetry of a GPU in a time window"),
    request: { params: GpuIdParams, query: TelemetryQuerySchema },
    responses: ok(TelemetryPageSchema, "One page, ordered by time"),
  }),
  hosts: createRoute({
    ...get("/api/v1/hosts", "hosts", "List hosts"),
    responses: ok(HostListSchema, "Hosts"),
  }),
  hostGpus: createRoute({
    ...get("/api/v1/hosts/{hostname}/gpus", "hosts", "GPUs of a host"),
    request: { params: HostnameParams },
    responses: ok(GpuListSchema, "GPUs"),
  }),
};

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
// deno-lint-ignore size/max-function-lines -- route registration, until issue 15 splits it
export function createApiApp(deps: ApiDeps, options: ApiOptions = {}): OpenAPIHono {
  const { title, version, maxWindowMs, guard } = resolveApiOptions(options);
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (result.success) return;
      const seen = new Set<string>();
      const invalid = result.error.issues.map((issue) => ({
        name: String(issue.path[0] ?? "request"),
        reason: issue.message,
      })).filter((p) => !seen.has(`${p.name}\n${p.reason}`) && seen.add(`${p.name}\n${p.reason}`));
      const detail = invalid.map((p) => `${p.name}: ${p.reason}`).join("; ");
      throw new HttpProblem(400, PROBLEM_TYPES.badParameter, detail, invalid);
    },
  });

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
  if (deps.refresh !== undefined) {
    const refresh = deps.refresh;
    app.use("*", async (c, next) => {
      const path = c.req.path;
      if (!path.startsWith("/docs") && path !== "/openapi.json" && !isDashboardPath(path)) {
        await refresh().catch((error) => {
          throw error instanceof StorageReadError ? error : new StorageReadError("the data dir", {
            cause: error,
          });
        });
      }
      await next();
    });
  }

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

  app.openapi(routes.health, (c) => {
    reader(c);
    return c.json({ status: "ok" as const }, 200);
  });
  app.openapi(
    routes.stats,
    async (c) => c.json({ ...await reader(c).stats(), ...deps.stats?.() }, 200),
  );
  app.openapi(routes.memory, async (c) => c.json(await reader(c).memoryStats(), 200));
  app.openapi(routes.newest, async (c) => {
    const { gpu_id } = c.req.valid("param");
    const limit = c.req.valid("query").limit ?? DEFAULT_NEWEST_LIMIT;
    const data = await reader(c).newest(gpu_id, limit);
    return c.json({ gpu_id, count: data.length, data }, 200);
  });
  app.openapi(
    routes.gpus,
    async (c) => c.json(await reader(c).listGpus(c.req.valid("query")), 200),
  );
  app.openapi(routes.telemetry, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const startMs = query.start_time === undefined ? undefined : parseRfc3339(query.start_time);
    const endMs = query.end_time === undefined ? undefined : parseRfc3339(query.end_time);
    if (startMs !== undefined && endMs !== undefined && endMs < startMs) {
      throw badParameter("end_time", "must not be before start_time");
    }
    if (startMs !== undefined && endMs !== undefined && endMs - startMs > maxWindowMs) {
      throw badParameter(
        "end_time",
        `the window from start_time may span at most ${windowText(maxWindowMs)} (--max-window)`,
      );
    }
    const page = await reader(c).telemetry({
      gpuId: id,
      startMs,
      endMs,
      metric: query.metric,
      limit: query.limit ?? DEFAULT_TELEMETRY_LIMIT,
      cursor: query.cursor,
    });
    return c.json(page, 200);
  });
  app.openapi(routes.hosts, async (c) => c.json(await reader(c).listHosts(), 200));
  app.openapi(
    routes.hostGpus,
    async (c) => c.json(await reader(c).hostGpus(c.req.valid("param").hostname), 200),
  );

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

/** A window as the most readable whole unit: `31d`, `12h`, `90m`, `1500ms`. */
function windowText(ms: number): string {
  for (
    const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const
  ) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

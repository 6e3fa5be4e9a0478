/**
 * The query routes of the API: their OpenAPI definitions (path, parameters,
 * responses) and their handlers, registered one group at a time in the
 * order the OpenAPI document lists them: status (`/health`, `/stats`,
 * `/memory-stats`), GPUs (`/telemetry/{gpu_id}`, `/api/v1/gpus`,
 * `/api/v1/gpus/{id}/telemetry`), hosts (`/api/v1/hosts`,
 * `/api/v1/hosts/{hostname}/gpus`).
 *
 * @module
 */

import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { parseRfc3339 } from "../record/rfc3339.ts";
import { badParameter, PROBLEM_CONTENT_TYPE } from "./problem.ts";
import type { ApiReader } from "./reader.ts";
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

/** The read side of one request; throws the 503 problem while the collector starts. */
export type RequestReader = (c: Context) => ApiReader;

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
 * Adds `GET /health`, `/stats` and `/memory-stats`.
 *
 * @param app the query API app
 * @param reader the read side of a request
 * @param stats extra counters merged into `/stats` at top level
 */
export function mountStatusRoutes(
  app: OpenAPIHono,
  reader: RequestReader,
  stats?: () => Record<string, unknown>,
): void {
  app.openapi(routes.health, (c) => {
    reader(c);
    return c.json({ status: "ok" as const }, 200);
  });
  app.openapi(
    routes.stats,
    async (c) => c.json({ ...await reader(c).stats(), ...stats?.() }, 200),
  );
  app.openapi(routes.memory, async (c) => c.json(await reader(c).memoryStats(), 200));
}

/**
 * Adds `GET /telemetry/{gpu_id}`, `/api/v1/gpus` and
 * `/api/v1/gpus/{id}/telemetry`.
 *
 * @param app the query API app
 * @param reader the read side of a request
 * @param maxWindowMs widest `start_time`..`end_time` window a telemetry query may ask for
 */
export function mountGpuRoutes(app: OpenAPIHono, reader: RequestReader, maxWindowMs: number): void {
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
}

/**
 * Adds `GET /api/v1/hosts` and `/api/v1/hosts/{hostname}/gpus`.
 *
 * @param app the query API app
 * @param reader the read side of a request
 */
export function mountHostRoutes(app: OpenAPIHono, reader: RequestReader): void {
  app.openapi(routes.hosts, async (c) => c.json(await reader(c).listHosts(), 200));
  app.openapi(
    routes.hostGpus,
    async (c) => c.json(await reader(c).hostGpus(c.req.valid("param").hostname), 200),
  );
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

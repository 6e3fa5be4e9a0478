/**
 * The query API (hono + zod-openapi): routes, validation, OpenAPI document
 * and RFC 9457 problem responses.
 *
 * @example
 * ```ts
 * import { createApiApp } from "./src/api/mod.ts";
 * import { TelemetryQuery } from "./src/collect/mod.ts";
 * const query = new TelemetryQuery([store.reads]);
 * Deno.serve({ port: 8080 }, createApiApp({ reader: () => query }).fetch);
 * ```
 *
 * @module
 */

export {
  type ApiDeps,
  type ApiOptions,
  createApiApp,
  DEFAULT_API_TITLE,
  DEFAULT_API_VERSION,
  resolveApiOptions,
} from "./app.ts";
export {
  badParameter,
  HttpProblem,
  type InvalidParam,
  type Problem,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPES,
  toProblem,
} from "./problem.ts";
export { DEFAULT_NEWEST_LIMIT, DEFAULT_TELEMETRY_LIMIT, MAX_TELEMETRY_LIMIT } from "./schemas.ts";
export {
  GPU_METRIC_PREFIX,
  gpuMetricName,
  type MetricsInput,
  renderMetrics,
  SELF_METRIC_PREFIX,
} from "./metrics.ts";
export { DOCS_ASSETS, type DocsAsset, SwaggerUi } from "./docs.ts";
export { type ApiRole, type ApiRoleOptions, startApiRole } from "./role.ts";
export { OPENAPI_PATH, openApiText } from "./write_openapi.ts";

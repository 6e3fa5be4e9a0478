/**
 * `GET /`: the fleet dashboard, and `GET /dashboard/{asset}`: its files.
 * Neither is in the OpenAPI document. Both are open without a token (they
 * hold no data); the page sends the token the user gives it with each API
 * call.
 *
 * @module
 */

import type { OpenAPIHono } from "@hono/zod-openapi";
import { DEFAULT_OPEN_PATHS, type HttpGuardOptions } from "../../net/http_guard.ts";
import { HttpProblem, PROBLEM_TYPES } from "../problem.ts";
import { DASHBOARD_ASSET_PREFIX, DASHBOARD_ASSETS, DASHBOARD_PAGE } from "./assets.ts";

export { DASHBOARD_ASSET_PREFIX, DASHBOARD_ASSETS, DASHBOARD_PAGE } from "./assets.ts";

/** Paths served without a token: the page and each asset. */
export const DASHBOARD_OPEN_PATHS: readonly string[] = [
  "/",
  ...[...DASHBOARD_ASSETS.keys()].map((name) => DASHBOARD_ASSET_PREFIX + name),
];

/** Whether `path` is the page or one of its assets (no data behind it). */
export function isDashboardPath(path: string): boolean {
  return path === "/" || path.startsWith(DASHBOARD_ASSET_PREFIX);
}

/**
 * `guard` with the dashboard's paths added to its open paths (by default only
 * `/health` is open).
 */
export function openWithDashboard(guard: HttpGuardOptions): HttpGuardOptions {
  return {
    ...guard,
    openPaths: [...(guard.openPaths ?? DEFAULT_OPEN_PATHS), ...DASHBOARD_OPEN_PATHS],
  };
}

// What the page may load: its own files and API calls, nothing else.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
  "script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

/**
 * Adds `GET /` and `GET /dashboard/{asset}` to an app.
 *
 * @param app the query API app
 */
export function mountDashboard(app: OpenAPIHono): void {
  app.get("/", (c) => c.html(DASHBOARD_PAGE, 200, { "content-security-policy": CSP }));
  app.get(`${DASHBOARD_ASSET_PREFIX}:asset`, (c) => {
    const asset = DASHBOARD_ASSETS.get(c.req.param("asset"));
    if (asset === undefined) {
      throw new HttpProblem(404, PROBLEM_TYPES.notFound, `no asset ${c.req.path}; open /`);
    }
    return c.body(asset.body, 200, {
      "content-type": asset.contentType,
      "cache-control": "no-cache",
    });
  });
}

/**
 * The operational routes of the query API beside the query routes:
 * `GET /metrics` (Prometheus text, in the OpenAPI document) and `GET /docs`
 * (Swagger UI, not in it).
 *
 * @module
 */

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { PROM_CONTENT_TYPE } from "../obs/prometheus.ts";
import { SwaggerUi } from "./docs.ts";
import { HttpProblem, PROBLEM_CONTENT_TYPE, PROBLEM_TYPES } from "./problem.ts";
import { ProblemSchema } from "./schemas.ts";

/** What {@linkcode mountOpsRoutes} serves from. */
export interface OpsDeps {
  /** The `/metrics` text; throws the 503 problem while starting. */
  metrics(c: Context): Promise<string>;
}

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["ops"],
  summary: "Prometheus exposition: server counters and the latest value of every GPU metric",
  responses: {
    200: {
      description: "Prometheus text format 0.0.4, GPU metrics in dcgm-exporter's scheme",
      content: { "text/plain": { schema: z.string() } },
    },
    503: {
      description: "The server is starting",
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    },
  },
});

/**
 * Adds `/metrics`, `/docs` and `/docs/{asset}` to an app.
 *
 * @param app the query API app
 * @param deps where the `/metrics` text comes from
 */
export function mountOpsRoutes(app: OpenAPIHono, deps: OpsDeps): void {
  const ui = new SwaggerUi("/openapi.json");
  app.openapi(metricsRoute, async (c) => {
    const body = await deps.metrics(c);
    return c.text(body, 200, { "content-type": PROM_CONTENT_TYPE });
  });
  app.get("/docs", async (c) => {
    return c.html(await ui.page(async () => await (await app.request("/openapi.json")).json()));
  });
  app.get("/docs/:asset", async (c) => {
    const asset = await ui.asset(c.req.param("asset"));
    if (asset === undefined) {
      throw new HttpProblem(404, PROBLEM_TYPES.notFound, `no asset ${c.req.path}; open /docs`);
    }
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      "content-type": asset.contentType,
      "cache-control": "public, max-age=86400",
    });
  });
}

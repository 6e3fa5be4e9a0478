/**
 * The broker's admin HTTP API (hono): `/health`, `/stats`, `/topics`,
 * `/topics/{name}`, `/metrics`. Errors are problem+json.
 *
 * @module
 */
import { Hono } from "hono";
import { httpGuard, type HttpGuardOptions, newHttpGuardCounters } from "../net/http_guard.ts";
import { PROM_CONTENT_TYPE } from "../obs/prometheus.ts";
import { problem } from "../obs/problem.ts";
import type { BrokerServer } from "./server.ts";
import { brokerMetrics } from "./metrics.ts";
import { brokerStats, topicStats } from "./stats.ts";

/**
 * Builds the admin app for a running broker server. With `guard.token` set,
 * every route but `GET /health` needs `Authorization: Bearer <token>`.
 *
 * @param server the running broker server
 * @param guard token and HTTP limits (see {@linkcode httpGuard})
 * @throws {RangeError} when a guard option is out of range
 *
 * @example
 * ```ts
 * Deno.serve({ port: 9090 }, createAdminApp(server).fetch);
 * ```
 */
export function createAdminApp(server: BrokerServer, guard: HttpGuardOptions = {}): Hono {
  const app = new Hono();
  const http = guard.counters ?? newHttpGuardCounters();
  app.use("*", httpGuard({ ...guard, counters: http }));
  app.get("/health", (c) => c.json({ status: "ok", role: "broker" }));
  app.get(
    "/stats",
    (c) =>
      c.json({
        ...brokerStats(server.core, server.counters, server.storage, server.log),
        http,
      }),
  );
  app.get("/topics", (c) =>
    c.json({
      topics: [...server.core.topics.values()].map((t) => ({
        name: t.name,
        partitions: t.logs.length,
        messages: t.logs.reduce((n, l) => n + l.endOffset - l.startOffset, 0),
        groups: [...t.groups.keys()],
      })),
    }));
  app.get("/topics/:name", (c) => {
    const t = server.core.topics.get(c.req.param("name"));
    if (!t) {
      return problem(
        c,
        404,
        "Unknown topic",
        `no topic named ${JSON.stringify(c.req.param("name"))}`,
      );
    }
    return c.json(topicStats(t, server.log));
  });
  app.get(
    "/metrics",
    (c) =>
      c.body(brokerMetrics(server.core, server.counters, server.storage, server.log), 200, {
        "content-type": PROM_CONTENT_TYPE,
      }),
  );
  app.notFound((c) => problem(c, 404, "Not found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => problem(c, 500, "Internal error", err.message));
  return app;
}

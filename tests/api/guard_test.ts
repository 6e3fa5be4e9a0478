import assert from "node:assert/strict";
import { join } from "node:path";
import { type ApiOptions, createApiApp, resolveApiOptions } from "../../src/api/app.ts";
import { TelemetryQuery } from "../../src/query/query.ts";
import { CollectorStore } from "../../src/collect/store.ts";

async function withApp(
  options: ApiOptions,
  fn: (app: ReturnType<typeof createApiApp>) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "gputel_api_guard_" });
  const store = await CollectorStore.open({ dir: join(root, "c1"), fsync: false });
  try {
    const payload = new TextEncoder().encode(JSON.stringify({
      timestamp: "2026-01-01T00:00:00Z",
      fields: { metric_name: "util", value: 1, Hostname: "h" },
    }));
    await store.write({
      topic: "t",
      group: "g",
      partition: 0,
      messages: [{ offset: 0, key: "gpu-a", payload }],
    });
    const query = new TelemetryQuery([store.reads]);
    await fn(createApiApp({ reader: () => query }, options));
  } finally {
    await store.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("with a token the query API answers 401 without it, 200 with it, and /health stays open", () =>
  withApp({ guard: { token: "T0ken" } }, async (app) => {
    const denied = await app.request("/api/v1/gpus");
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get("www-authenticate"), 'Bearer realm="gputel"');
    assert.deepEqual(await denied.json(), {
      type: "urn:gputel:problem:unauthorized",
      title: "Unauthorized",
      status: 401,
      detail: "a token is required: send it as 'Authorization: Bearer <token>'",
      instance: "/api/v1/gpus",
    });
    const ok = await app.request("/api/v1/gpus", { headers: { authorization: "bearer T0ken" } });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).total, 1);
    const health = await app.request("/health");
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    const metrics = await app.request("/metrics");
    assert.equal(metrics.status, 401);
    await metrics.body?.cancel();
  }));

Deno.test("a telemetry window wider than maxWindowMs is a 400 naming end_time; one as wide passes", () =>
  withApp({ maxWindowMs: 3_600_000 }, async (app) => {
    const path = "/api/v1/gpus/gpu-a/telemetry?start_time=2026-01-01T00:00:00Z&end_time=";
    const wide = await app.request(`${path}2026-01-01T01:00:00.001Z`);
    assert.equal(wide.status, 400);
    assert.deepEqual((await wide.json()).invalid_params, [{
      name: "end_time",
      reason: "the window from start_time may span at most 1h (--max-window)",
    }]);
    const exact = await app.request(`${path}2026-01-01T01:00:00Z`);
    assert.equal(exact.status, 200);
    assert.equal((await exact.json()).data.length, 1);
  }));

Deno.test("a URL over the limit is a 414 and a body over the limit a 413, both problem+json", () =>
  withApp({ guard: { maxUrlLength: 100, maxBodyBytes: 10 } }, async (app) => {
    const long = await app.request(`/api/v1/gpus?hostname=${"h".repeat(100)}`);
    assert.equal(long.status, 414);
    assert.equal(long.headers.get("content-type"), "application/problem+json");
    assert.match((await long.json()).detail, /limited to 100 characters/);
    const body = await app.request("/api/v1/gpus", {
      method: "POST",
      body: "x".repeat(11),
      headers: { "content-length": "11" },
    });
    assert.equal(body.status, 413);
    await body.body?.cancel();
    const fine = await app.request("/api/v1/gpus?hostname=h");
    assert.equal(fine.status, 200);
    await fine.body?.cancel();
  }));

Deno.test("junk query parameters all get 4xx, never 500", () =>
  withApp({}, async (app) => {
    const base = "/api/v1/gpus/gpu-a/telemetry";
    const junk = [
      "limit=-5",
      "limit=abc",
      "start_time=2026-13-01T00:00:00Z",
      `start_time=${"9".repeat(5000)}`,
      "limit=%00",
      "metric=%00",
      "start_time=%00",
      "cursor=%00",
    ];
    for (const q of junk) {
      const res = await app.request(`${base}?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      await res.body?.cancel();
    }
    const nul = await app.request("/api/v1/gpus/%00/telemetry");
    assert.equal(nul.status, 400);
    await nul.body?.cancel();
  }));

Deno.test("resolveApiOptions names maxWindowMs when it is not a positive integer", () => {
  assert.throws(
    () => resolveApiOptions({ maxWindowMs: 0 }),
    /createApiApp: maxWindowMs must be a positive integer, got 0/,
  );
});

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createApiApp } from "../../src/api/app.ts";
import { StorageReadError } from "../../src/query/errors.ts";
import { StoreClosedError } from "../../src/collect/errors.ts";
import type { TelemetryReader } from "../../src/query/query.ts";

const GPU = {
  id: "GPU-1",
  hostname: "host-a",
  gpu_index: "0",
  model: null,
  first_seen: "2026-11-27T17:00:00.000Z",
  last_seen: "2026-11-27T17:00:00.000Z",
  latest: {},
};

// A reader that knows one GPU, records every telemetry call, and can be told to fail.
function fakeReader(fail?: Error) {
  const calls: unknown[] = [];
  const reader: TelemetryReader = {
    listGpus: () => ({ total: 1, gpus: [GPU] }),
    listHosts: () => ({
      total: 1,
      hosts: [{ hostname: "host-a", gpu_count: 1, last_seen: GPU.last_seen }],
    }),
    hostGpus: (h) => {
      if (h !== "host-a") throw new (class UnknownHostError extends Error {})();
      return { total: 1, gpus: [GPU] };
    },
    newest: () => [],
    telemetry: (params) => {
      calls.push(params);
      if (fail) return Promise.reject(fail);
      return Promise.resolve({ data: [], next_cursor: null });
    },
    stats: () => ({}),
    memoryStats: () => ({
      max_entries_per_gpu: 1,
      max_records: 1,
      records: 0,
      gpus: 1,
      gpus_in_memory: 0,
      evicted_per_gpu_cap: 0,
      evicted_global_cap: 0,
    }),
  };
  return { reader, calls };
}

async function problem(res: Response) {
  assertEquals(res.headers.get("content-type"), "application/problem+json");
  return await res.json();
}

const BAD_QUERIES: [string, string, string][] = [
  [
    "start_time=yesterday",
    "start_time",
    "must be an RFC 3339 date-time such as 2026-11-27T17:00:00Z",
  ],
  [
    "start_time=2026-13-01T00:00:00Z",
    "start_time",
    "must be an RFC 3339 date-time such as 2026-11-27T17:00:00Z",
  ],
  [
    "end_time=2026-02-30T00:00:00Z",
    "end_time",
    "must be an RFC 3339 date-time such as 2026-11-27T17:00:00Z",
  ],
  [
    `start_time=${"1".repeat(5000)}`,
    "start_time",
    "must be an RFC 3339 date-time such as 2026-11-27T17:00:00Z",
  ],
  ["start_time=%00", "start_time", "must be an RFC 3339 date-time such as 2026-11-27T17:00:00Z"],
  ["limit=abc", "limit", "must be an integer from 1 to 10000"],
  ["limit=-5", "limit", "must be an integer from 1 to 10000"],
  ["limit=0", "limit", "must be an integer from 1 to 10000"],
  ["limit=10001", "limit", "must be an integer from 1 to 10000"],
  ["limit=1.5", "limit", "must be an integer from 1 to 10000"],
  ["limit=", "limit", "must be an integer from 1 to 10000"],
  ["limit=%00", "limit", "must be an integer from 1 to 10000"],
  [`limit=${"9".repeat(5000)}`, "limit", "must be an integer from 1 to 10000"],
  ["cursor=%00", "cursor", "unknown cursor; pass the next_cursor of a previous page unchanged"],
  [
    "cursor=not*a*cursor",
    "cursor",
    "unknown cursor; pass the next_cursor of a previous page unchanged",
  ],
  ["metric=%00", "metric", "must not contain control characters"],
];

Deno.test("GET /api/v1/gpus/{id}/telemetry answers 400 problem+json for each bad parameter", async () => {
  const { reader, calls } = fakeReader();
  const app = createApiApp({ reader: () => reader });
  for (const [query, name, reason] of BAD_QUERIES) {
    const res = await app.request(`/api/v1/gpus/GPU-1/telemetry?${query}`);
    assertEquals(res.status, 400, query.slice(0, 40));
    assertEquals(await problem(res), {
      type: "urn:gputel:problem:bad-parameter",
      title: "Bad Request",
      status: 400,
      detail: `${name}: ${reason}`,
      instance: "/api/v1/gpus/GPU-1/telemetry",
      invalid_params: [{ name, reason }],
    });
  }
  assertEquals(calls, []);
});

Deno.test("GET /api/v1/gpus/{id}/telemetry answers 400 when end_time is before start_time", async () => {
  const { reader } = fakeReader();
  const app = createApiApp({ reader: () => reader });
  const res = await app.request(
    "/api/v1/gpus/GPU-1/telemetry?start_time=2026-11-27T17:00:01Z&end_time=2026-11-27T17:00:00Z",
  );
  assertEquals(res.status, 400);
  assertEquals((await problem(res)).invalid_params, [{
    name: "end_time",
    reason: "must not be before start_time",
  }]);
});

Deno.test("GET /api/v1/gpus/{id}/telemetry passes parsed, defaulted parameters to the reader", async () => {
  const { reader, calls } = fakeReader();
  const app = createApiApp({ reader: () => reader });
  assertEquals((await app.request("/api/v1/gpus/GPU-1/telemetry")).status, 200);
  const window = "start_time=2026-11-27T18:00:00%2B01:00&end_time=2026-11-27T17:00:00Z&limit=10000";
  assertEquals(
    (await app.request(`/api/v1/gpus/GPU-1/telemetry?${window}&metric=util`)).status,
    200,
  );
  const t = Date.UTC(2026, 10, 27, 17);
  assertEquals(calls, [
    {
      gpuId: "GPU-1",
      startMs: undefined,
      endMs: undefined,
      metric: undefined,
      limit: 1000,
      cursor: undefined,
    },
    { gpuId: "GPU-1", startMs: t, endMs: t, metric: "util", limit: 10000, cursor: undefined },
  ]);
});

Deno.test("Bad path parameters answer 400 and unknown ones 404, as problem+json", async () => {
  const { reader } = fakeReader();
  const app = createApiApp({ reader: () => reader });
  const cases: [string, number, string][] = [
    ["/api/v1/gpus/%00/telemetry", 400, "id: must not contain control characters"],
    [`/api/v1/gpus/${"x".repeat(1025)}/telemetry`, 400, "id: must be at most 1024 characters"],
    ["/telemetry/%00", 400, "gpu_id: must not contain control characters"],
    ["/telemetry/GPU-1?limit=-5", 400, "limit: must be an integer from 1 to 10000"],
    ["/api/v1/hosts/%00/gpus", 400, "hostname: must not contain control characters"],
    ["/api/v1/gpus?hostname=%00", 400, "hostname: must not contain control characters"],
    ["/no/such/route", 404, "no route GET /no/such/route; the API is described at /openapi.json"],
  ];
  for (const [path, status, detail] of cases) {
    const res = await app.request(path);
    assertEquals([res.status, (await problem(res)).detail], [status, detail], path);
  }
});

Deno.test("Unknown GPUs and hosts answer 404 problem+json", async () => {
  const { TelemetryQuery } = await import("../../src/query/query.ts");
  const empty = new TelemetryQuery([{
    gpus: () => [],
    gpu: () => undefined,
    newest: () => [],
    highWater: () => 0,
    read: () => Promise.resolve([]),
    stats: () => ({}),
    memoryStats: () => fakeReader().reader.memoryStats(),
  }]);
  const app = createApiApp({ reader: () => empty });
  const cases: [string, string, string][] = [
    [
      "/api/v1/gpus/nope/telemetry",
      "urn:gputel:problem:unknown-gpu",
      'unknown GPU "nope"; list GPUs at /api/v1/gpus',
    ],
    [
      "/telemetry/nope",
      "urn:gputel:problem:unknown-gpu",
      'unknown GPU "nope"; list GPUs at /api/v1/gpus',
    ],
    [
      "/api/v1/hosts/nope/gpus",
      "urn:gputel:problem:unknown-host",
      'unknown host "nope"; list hosts at /api/v1/hosts',
    ],
  ];
  for (const [path, type, detail] of cases) {
    const res = await app.request(path);
    assertEquals(res.status, 404, path);
    assertEquals(await problem(res), {
      type,
      title: "Not Found",
      status: 404,
      detail,
      instance: path.split("?")[0],
    });
  }
});

Deno.test("Every route answers 503 problem+json with Retry-After while the collector starts", async () => {
  const app = createApiApp({ reader: () => undefined });
  for (
    const path of [
      "/health",
      "/stats",
      "/memory-stats",
      "/telemetry/GPU-1",
      "/api/v1/gpus",
      "/api/v1/gpus/GPU-1/telemetry",
      "/api/v1/hosts",
      "/api/v1/hosts/h/gpus",
      "/metrics",
    ]
  ) {
    const res = await app.request(path);
    assertEquals([res.status, res.headers.get("retry-after")], [503, "1"], path);
    assertEquals((await problem(res)).type, "urn:gputel:problem:starting");
  }
});

Deno.test("A closed store answers 503 and an unexpected failure 500 without internals", async () => {
  const closed = fakeReader(new StoreClosedError("/data/c1"));
  const res = await createApiApp({ reader: () => closed.reader }).request(
    "/api/v1/gpus/GPU-1/telemetry",
  );
  assertEquals([res.status, (await problem(res)).detail], [503, "the collector is shutting down"]);
  const logged: unknown[] = [];
  const boom = new Error("disk on fire at /secret/path");
  const broken = fakeReader(boom);
  const app = createApiApp({ reader: () => broken.reader, onInternalError: (e) => logged.push(e) });
  const res500 = await app.request("/api/v1/gpus/GPU-1/telemetry");
  assertEquals(res500.status, 500);
  assertEquals((await problem(res500)).detail, "internal error; see the collector's log");
  assertEquals(logged, [boom]);
});

Deno.test("GET /openapi.json is an OpenAPI 3.1 document listing the query routes and their parameters", async () => {
  const app = createApiApp({ reader: () => undefined });
  const res = await app.request("/openapi.json");
  assertEquals(res.status, 200);
  const doc = await res.json();
  assertEquals(doc.openapi, "3.1.0");
  assertEquals(doc.info, { title: "gputel query API", version: "0.1.0" });
  assertEquals(Object.keys(doc.paths).sort(), [
    "/api/v1/gpus",
    "/api/v1/gpus/{id}/telemetry",
    "/api/v1/hosts",
    "/api/v1/hosts/{hostname}/gpus",
    "/health",
    "/memory-stats",
    "/metrics",
    "/stats",
    "/telemetry/{gpu_id}",
  ]);
  const params = doc.paths["/api/v1/gpus/{id}/telemetry"].get.parameters;
  assertEquals(params.map((p: { name: string; in: string }) => `${p.in}:${p.name}`), [
    "path:id",
    "query:start_time",
    "query:end_time",
    "query:metric",
    "query:limit",
    "query:cursor",
  ]);
  const limit = params.find((p: { name: string }) => p.name === "limit");
  assertEquals([
    limit.schema.type,
    limit.schema.minimum,
    limit.schema.maximum,
    limit.schema.default,
  ], [
    "integer",
    1,
    10000,
    1000,
  ]);
  assertEquals(
    Object.keys(doc.paths["/api/v1/gpus/{id}/telemetry"].get.responses).sort(),
    ["200", "400", "404", "503"],
  );
});

Deno.test("A storage failure answers 503 problem+json, is logged, and reveals no path", async () => {
  const logged: unknown[] = [];
  const failing = fakeReader(
    new StorageReadError("/secret/c1/gpu.jsonl", { cause: new Error("EIO") }),
  );
  const app = createApiApp({
    reader: () => failing.reader,
    onInternalError: (e) => logged.push(e),
  });
  const res = await app.request("/api/v1/gpus/GPU-1/telemetry");
  assertEquals([res.status, res.headers.get("retry-after")], [503, "1"]);
  const body = await problem(res);
  assertEquals([body.type, body.detail], [
    "urn:gputel:problem:storage",
    "reading or writing stored telemetry failed; retry shortly, and see the server's log",
  ]);
  assertEquals(logged.length, 1);
});

Deno.test("A failing refresh answers 503 storage problem+json on every data route, not /openapi.json", async () => {
  const { reader } = fakeReader();
  const app = createApiApp({
    reader: () => reader,
    refresh: () => Promise.reject(new Deno.errors.PermissionDenied("data dir")),
  });
  for (const path of ["/health", "/api/v1/gpus", "/metrics", "/api/v1/gpus/GPU-1/telemetry"]) {
    const res = await app.request(path);
    assertEquals(res.status, 503, path);
    assertEquals((await problem(res)).type, "urn:gputel:problem:storage", path);
  }
  const doc = await app.request("/openapi.json");
  assertEquals(doc.status, 200);
  await doc.body?.cancel();
});

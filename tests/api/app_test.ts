import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { createApiApp } from "../../src/api/app.ts";
import { TelemetryQuery } from "../../src/query/query.ts";
import { CollectorStore, type StoreMessage } from "../../src/collect/store.ts";

const T0 = Date.UTC(2026, 10, 27, 17, 0, 0);
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const UUID = "GPU-5fd4f087-86f3-7a43-b711-4771313afc50";
const encoder = new TextEncoder();

function message(
  offset: number,
  key: string,
  ms: number,
  host = "host-a",
  index = 0,
): StoreMessage {
  return {
    offset,
    key,
    payload: encoder.encode(JSON.stringify({
      timestamp: iso(ms),
      fields: {
        metric_name: "util",
        value: offset,
        Hostname: host,
        gpu_id: index,
        modelName: "H100",
      },
    })),
  };
}

async function withApp(
  fn: (app: ReturnType<typeof createApiApp>, store: CollectorStore) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "gputel_api_" });
  const store = await CollectorStore.open({ dir: join(root, "c1"), fsync: false, maxEntries: 5 });
  try {
    await store.write({
      topic: "t",
      group: "g",
      partition: 0,
      messages: [
        ...Array.from({ length: 10 }, (_, i) => message(i, UUID, i * 1000)),
        message(10, "GPU-b", 500, "host-b", 1),
        message(11, "../../etc/passwd", 700, "host-b", 2),
      ],
    });
    const query = new TelemetryQuery([store.reads]);
    await fn(
      createApiApp({ reader: () => query, stats: () => ({ subscriber: { acks: 3 } }) }),
      store,
    );
  } finally {
    await store.close();
    await Deno.remove(root, { recursive: true });
  }
}

const telemetryUrl = (id: string, params: Record<string, string> = {}) =>
  `/api/v1/gpus/${encodeURIComponent(id)}/telemetry?${new URLSearchParams(params)}`;

const utils = (body: { data: { metrics: { util?: unknown } }[] }) =>
  body.data.map((r) => r.metrics.util);

Deno.test("GET /api/v1/gpus/{id}/telemetry returns an entry whose timestamp equals both window ends", () =>
  withApp(async (app) => {
    const res = await app.request(
      telemetryUrl(UUID, { start_time: iso(3000), end_time: iso(3000) }),
    );
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "application/json");
    const body = await res.json();
    assertEquals(body, {
      data: [{
        gpu_id: UUID,
        timestamp: iso(3000),
        metrics: { util: 3 },
        labels: { hostname: "host-a", gpu_index: "0", model: "H100" },
      }],
      next_cursor: null,
    });
  }));

Deno.test("GET /api/v1/gpus/{id}/telemetry orders by time and pages with limit and cursor across appends", () =>
  withApp(async (app, store) => {
    const url = (cursor?: string) =>
      telemetryUrl(UUID, {
        start_time: iso(0),
        end_time: iso(60_000),
        limit: "4",
        ...(cursor ? { cursor } : {}),
      });
    const first = await (await app.request(url())).json();
    assertEquals(utils(first), [0, 1, 2, 3]);
    await store.write({
      topic: "t",
      group: "g",
      partition: 0,
      messages: [message(12, UUID, 1500), message(13, UUID, 20_000)],
    });
    const second = await (await app.request(url(first.next_cursor))).json();
    assertEquals(utils(second), [4, 5, 6, 7]);
    const third = await (await app.request(url(second.next_cursor))).json();
    assertEquals([utils(third), third.next_cursor], [[8, 9], null]);
    const fresh = await (await app.request(telemetryUrl(UUID, { limit: "100" }))).json();
    assertEquals(utils(fresh), [0, 1, 12, 2, 3, 4, 5, 6, 7, 8, 9, 13]);
    const metric = await (await app.request(telemetryUrl(UUID, { metric: "util", limit: "1" })))
      .json();
    assertEquals(utils(metric), [0]);
  }));

Deno.test("GET /api/v1/gpus lists GPUs with metadata and filters by hostname", () =>
  withApp(async (app) => {
    const all = await (await app.request("/api/v1/gpus")).json();
    assertEquals(all.total, 3);
    assertEquals(all.gpus.map((g: { id: string }) => g.id), [UUID, "GPU-b", "../../etc/passwd"]);
    assertEquals(all.gpus[0], {
      id: UUID,
      hostname: "host-a",
      gpu_index: "0",
      model: "H100",
      first_seen: iso(0),
      last_seen: iso(9000),
      latest: { util: 9 },
    });
    const b = await (await app.request("/api/v1/gpus?hostname=host-b")).json();
    assertEquals([b.total, b.gpus.map((g: { id: string }) => g.id)], [2, [
      "GPU-b",
      "../../etc/passwd",
    ]]);
    assertEquals(await (await app.request("/api/v1/gpus?hostname=nope")).json(), {
      total: 0,
      gpus: [],
    });
  }));

Deno.test("GET /api/v1/hosts and /api/v1/hosts/{hostname}/gpus list hosts and their GPUs", () =>
  withApp(async (app) => {
    assertEquals(await (await app.request("/api/v1/hosts")).json(), {
      total: 2,
      hosts: [
        { hostname: "host-a", gpu_count: 1, last_seen: iso(9000) },
        { hostname: "host-b", gpu_count: 2, last_seen: iso(700) },
      ],
    });
    const gpus = await (await app.request("/api/v1/hosts/host-b/gpus")).json();
    assertEquals(gpus.gpus.map((g: { gpu_index: string }) => g.gpu_index), ["1", "2"]);
  }));

Deno.test("GET /telemetry/{gpu_id} returns the newest records from memory", () =>
  withApp(async (app) => {
    const body = await (await app.request(`/telemetry/${UUID}?limit=3`)).json();
    assertEquals([body.gpu_id, body.count, utils(body)], [UUID, 3, [7, 8, 9]]);
    const all = await (await app.request(`/telemetry/${UUID}`)).json();
    assertEquals(all.count, 5);
    const hostile =
      await (await app.request(`/telemetry/${encodeURIComponent("../../etc/passwd")}`)).json();
    assertEquals(hostile.data[0].gpu_id, "../../etc/passwd");
  }));

Deno.test("GET /health, /stats and /memory-stats report readiness, counters and memory", () =>
  withApp(async (app) => {
    assertEquals(await (await app.request("/health")).json(), { status: "ok" });
    const stats = await (await app.request("/stats")).json();
    assertEquals([stats.records_total, stats.files, stats.sources, stats.subscriber], [12, 3, 1, {
      acks: 3,
    }]);
    assertEquals(await (await app.request("/memory-stats")).json(), {
      max_entries_per_gpu: 5,
      max_records: 1_000_000,
      records: 7,
      gpus: 3,
      gpus_in_memory: 3,
      evicted_per_gpu_cap: 5,
      evicted_global_cap: 0,
    });
  }));

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { createApiApp } from "../../src/api/app.ts";
import { TelemetryQuery } from "../../src/query/query.ts";
import { CollectorStore } from "../../src/collect/store.ts";

const encoder = new TextEncoder();

async function withApp(fn: (app: ReturnType<typeof createApiApp>) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "gputel_api_fuzz_" });
  const store = await CollectorStore.open({ dir: join(root, "c1"), fsync: false, maxEntries: 2 });
  try {
    const messages = ["gpu-a", "gpu-b"].flatMap((key, k) =>
      Array.from({ length: 6 }, (_, i) => ({
        offset: k * 6 + i,
        key,
        payload: encoder.encode(JSON.stringify({
          timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
          fields: { metric_name: "util", value: i, Hostname: "h" },
        })),
      }))
    );
    await store.write({ topic: "t", group: "g", partition: 0, messages });
    const query = new TelemetryQuery([store.reads]);
    await fn(createApiApp({ reader: () => query, onInternalError: (e) => console.error(e) }));
  } finally {
    await store.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("A cursor from one GPU's query is refused for another GPU's with 400", () =>
  withApp(async (app) => {
    const first = await (await app.request("/api/v1/gpus/gpu-a/telemetry?limit=2")).json();
    assertEquals(typeof first.next_cursor, "string");
    const res = await app.request(
      `/api/v1/gpus/gpu-b/telemetry?limit=2&cursor=${first.next_cursor}`,
    );
    assertEquals(res.status, 400);
    assertEquals((await res.json()).invalid_params, [{
      name: "cursor",
      reason: "cursor belongs to a different query (gpu, start_time, end_time or metric changed)",
    }]);
    const next = await app.request(
      `/api/v1/gpus/gpu-a/telemetry?limit=2&cursor=${first.next_cursor}`,
    );
    assertEquals(next.status, 200);
  }));

Deno.test("No request, however malformed, gets a 500", () =>
  withApp(async (app) => {
    const pieces = [
      "%00",
      "%zz",
      "%",
      "%E0%A4%A",
      "%F0%9F%98%80",
      "..",
      "../..",
      "%2F",
      "%2e%2e",
      "\\",
      "'",
      '"',
      "<script>",
      "2026-13-01T00:00:00Z",
      "2026-01-01T00:00:00Z",
      "-5",
      "0",
      "1",
      "10000",
      "10001",
      "abc",
      "1e3",
      "0x10",
      " 5",
      "NaN",
      "Infinity",
      "eyJ2IjoxfQ",
      "A".repeat(5000),
      "9".repeat(5000),
      "gpu-a",
      "h",
      "util",
      "",
      "+",
      "&",
      "=",
      "#",
      "?",
      "null",
      "[]",
      "{}",
    ];
    const params = ["start_time", "end_time", "limit", "cursor", "metric", "hostname", "x"];
    let seed = 99;
    const pick = <T>(list: T[]) =>
      list[(seed = (seed * 1103515245 + 12345) % 2147483648) % list.length];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1500; i++) {
      const query = Array.from({ length: 1 + (i % 4) }, () => `${pick(params)}=${pick(pieces)}`)
        .join("&");
      const path = pick([
        `/api/v1/gpus/${pick(pieces)}/telemetry`,
        "/api/v1/gpus/gpu-a/telemetry",
        "/api/v1/gpus",
        `/api/v1/hosts/${pick(pieces)}/gpus`,
        `/telemetry/${pick(pieces)}`,
        "/telemetry/gpu-b",
        `/${pick(pieces)}`,
      ]);
      const res = await app.request(`${path}?${query}`);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status !== 200) {
        assertEquals(
          res.headers.get("content-type"),
          "application/problem+json",
          `${path}?${query}`,
        );
      }
      await res.body?.cancel();
      // 414: the URL is over the default 8,192-character limit (several 5,000-character pieces)
      assertEquals(
        [200, 400, 404, 414].includes(res.status),
        true,
        `${res.status} ${path}?${query}`,
      );
    }
    assertEquals([...statuses.keys()].sort(), [200, 400, 404, 414]);
  }));

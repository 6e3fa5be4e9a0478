import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { formatOrigin, logIdOf, uniqueByOrigin } from "../../src/record/origin.ts";
import { TelemetryQuery } from "../../src/query/query.ts";
import { CollectorStore, type StoreMessage } from "../../src/collect/store.ts";
import { T0 } from "./_store_helpers.ts";

const encoder = new TextEncoder();
const LOG = logIdOf("broker-1", "t");

/** Message `offset`: three share each timestamp, so page boundaries fall inside a time. */
function message(offset: number): StoreMessage {
  const timestamp = new Date(T0 + Math.floor(offset / 3) * 1000).toISOString();
  return {
    offset,
    key: "gpu-1",
    payload: encoder.encode(JSON.stringify({
      timestamp,
      fields: { metric_name: "seq", value: offset, Hostname: "h", gpu_id: 0 },
    })),
  };
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => message(from + i));

for (const [label, maxEntries] of [["memory", 1000], ["the files", 1]] as const) {
  Deno.test(`pages over three collectors holding overlapping copies give each origin once, from ${label}`, async () => {
    const root = await Deno.makeTempDir({ prefix: "gputel_origin_" });
    const stores: CollectorStore[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        stores.push(
          await CollectorStore.open({
            dir: join(root, `c${i}`),
            fsync: false,
            maxEntries,
            indexEvery: 2,
          }),
        );
      }
      // one message stored by up to three members (lost leases, crashes before acks)
      const write = (s: number, messages: StoreMessage[]) =>
        stores[s].write({ topic: "t", group: "g@broker-1", partition: 2, messages, origin: LOG });
      await write(0, range(0, 20));
      await write(1, range(10, 30));
      await write(2, [...range(15, 25), ...range(29, 31)]);
      const query = new TelemetryQuery(stores.map((s) => s.reads));
      const stored = stores.reduce((n, s) => n + s.stats().records_stored, 0);
      assertEquals(stored, 20 + 20 + 12);
      for (let limit = 1; limit <= 8; limit++) {
        const seen: unknown[] = [];
        let cursor: string | undefined;
        do {
          const page = await query.telemetry({ gpuId: "gpu-1", limit, cursor });
          assertEquals(page.data.length <= limit, true);
          if (page.next_cursor !== null) {
            assertEquals(page.data.length, limit, "only the last page is short");
          }
          seen.push(...page.data.map((r) => r.metrics.seq));
          cursor = page.next_cursor ?? undefined;
        } while (cursor !== undefined);
        assertEquals(seen, Array.from({ length: 31 }, (_, i) => i), `limit ${limit}`);
      }
      const newest = query.newest("gpu-1", 5).map((r) => r.metrics.seq);
      assertEquals(new Set(newest).size, newest.length, "newest holds no copy twice");
      const one = await query.telemetry({ gpuId: "gpu-1", limit: 100 });
      assertEquals(one.data[0]._o, formatOrigin(LOG, 2, 0));
    } finally {
      for (const s of stores) await s.close();
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("uniqueByOrigin keeps the first copy of each origin and every record without one", () => {
  const r = (o?: string) => ({ gpu_id: "g", timestamp: "t", metrics: {}, labels: {}, _o: o });
  const items = [r("a:0:1"), r(), r("a:0:1"), r("a:0:2"), r()];
  assertEquals(uniqueByOrigin(items, (x) => x), [items[0], items[1], items[3], items[4]]);
  assertEquals(uniqueByOrigin(items, (x) => x, new Set(["a:0:1"])), [items[1], items[3], items[4]]);
});

Deno.test("logIdOf names a log and topic with 12 stable hex digits", () => {
  assertEquals(/^[0-9a-f]{12}$/.test(logIdOf("broker-1", "t")), true);
  assertEquals(logIdOf("broker-1", "t"), logIdOf("broker-1", "t"));
  assertEquals(logIdOf("broker-1", "t") === logIdOf("broker-2", "t"), false);
  assertEquals(logIdOf("broker-1", "t") === logIdOf("broker-1", "u"), false);
});

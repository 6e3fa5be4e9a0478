import {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import { join } from "node:path";
import { TelemetryQuery } from "../../src/query/query.ts";
import { CollectorStore, type StoreMessage } from "../../src/collect/store.ts";
import { batch, T0 } from "../collect/_store_helpers.ts";

const encoder = new TextEncoder();
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function message(
  offset: number,
  key: string,
  ms: number,
  fields: Record<string, unknown> = {},
): StoreMessage {
  return {
    offset,
    key,
    payload: encoder.encode(JSON.stringify({
      timestamp: iso(ms),
      fields: {
        metric_name: "seq",
        value: offset,
        Hostname: `host-${key.at(-1)}`,
        gpu_id: 0,
        ...fields,
      },
    })),
  };
}

async function withStores(
  count: number,
  options: { maxEntries?: number; indexEvery?: number },
  fn: (stores: CollectorStore[]) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "gputel_query_" });
  const stores: CollectorStore[] = [];
  try {
    for (let i = 0; i < count; i++) {
      stores.push(
        await CollectorStore.open({ dir: join(root, `c${i}`), fsync: false, ...options }),
      );
    }
    await fn(stores);
  } finally {
    for (const store of stores) await store.close();
    await Deno.remove(root, { recursive: true });
  }
}

const seqs = (page: { data: { metrics: Record<string, unknown> }[] }) =>
  page.data.map((r) => r.metrics.seq);

async function pageAll(query: TelemetryQuery, params: Parameters<TelemetryQuery["telemetry"]>[0]) {
  const pages: unknown[][] = [];
  let cursor: string | undefined;
  do {
    const page = await query.telemetry({ ...params, cursor });
    pages.push(seqs(page));
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && pages.length < 1000);
  return pages;
}

for (const [label, maxEntries] of [["memory", 1000], ["the file", 1]] as const) {
  Deno.test(`TelemetryQuery includes entries on both window bounds when served from ${label}`, () =>
    withStores(1, { maxEntries, indexEvery: 4 }, async ([store]) => {
      await store.write(batch(Array.from({ length: 20 }, (_, i) => message(i, "gpu-1", i * 1000))));
      const query = new TelemetryQuery([store.reads]);
      const window = (s: number, e: number, limit = 100) =>
        query.telemetry({ gpuId: "gpu-1", startMs: T0 + s, endMs: T0 + e, limit });
      assertEquals(seqs(await window(5000, 5000)), [5]);
      assertEquals(seqs(await window(5000, 8000)), [5, 6, 7, 8]);
      assertEquals(seqs(await window(5001, 7999)), [6, 7]);
      assertEquals(seqs(await window(5001, 5999)), []);
      assertEquals(seqs(await window(-99_000, 0)), [0]);
      assertEquals(seqs(await window(19_000, 99_000)), [19]);
      assertEquals((await window(0, 19_000, 20)).next_cursor, null);
      assertEquals(seqs(await query.telemetry({ gpuId: "gpu-1", limit: 3 })), [0, 1, 2]);
    }));

  Deno.test(`TelemetryQuery orders out-of-order timestamps by time when served from ${label}`, () =>
    withStores(1, { maxEntries, indexEvery: 2 }, async ([store]) => {
      const times = [5, 1, 9, 3, 3, 7, 0, 8];
      await store.write(batch(times.map((t, i) => message(i, "gpu-1", t * 1000))));
      const query = new TelemetryQuery([store.reads]);
      const page = await query.telemetry({ gpuId: "gpu-1", limit: 100 });
      assertEquals(seqs(page), [6, 1, 3, 4, 0, 5, 7, 2]);
      assertEquals(await pageAll(query, { gpuId: "gpu-1", limit: 3 }), [[6, 1, 3], [4, 0, 5], [
        7,
        2,
      ]]);
      assertEquals(
        seqs(
          await query.telemetry({
            gpuId: "gpu-1",
            startMs: T0 + 3000,
            endMs: T0 + 7000,
            limit: 100,
          }),
        ),
        [3, 4, 0, 5],
      );
    }));
}

Deno.test("TelemetryQuery pages with a cursor that stays stable while new data arrives", () =>
  withStores(1, { maxEntries: 5, indexEvery: 4 }, async ([store]) => {
    await store.write(batch(Array.from({ length: 10 }, (_, i) => message(i, "gpu-1", i * 1000))));
    const query = new TelemetryQuery([store.reads]);
    const params = { gpuId: "gpu-1", startMs: T0, endMs: T0 + 100_000, limit: 4 };
    const first = await query.telemetry(params);
    assertEquals(seqs(first), [0, 1, 2, 3]);
    // New records arrive, some inside the window, one at an already-paged time.
    await store.write(batch([message(10, "gpu-1", 1500), message(11, "gpu-1", 50_000)]));
    const second = await query.telemetry({ ...params, cursor: first.next_cursor! });
    assertEquals(seqs(second), [4, 5, 6, 7]);
    const third = await query.telemetry({ ...params, cursor: second.next_cursor! });
    assertEquals(seqs(third), [8, 9]);
    assertEquals(third.next_cursor, null);
    // A fresh query sees them.
    assertEquals((await pageAll(query, params)).flat(), [0, 1, 10, 2, 3, 4, 5, 6, 7, 8, 9, 11]);
  }));

Deno.test("TelemetryQuery pages across many records from the file without repeats or gaps", () =>
  withStores(1, { maxEntries: 10, indexEvery: 16 }, async ([store]) => {
    const n = 2000;
    await store.write(
      batch(Array.from({ length: n }, (_, i) => message(i, "gpu-1", Math.floor(i / 3) * 1000))),
    );
    const query = new TelemetryQuery([store.reads]);
    const all = (await pageAll(query, { gpuId: "gpu-1", limit: 97 })).flat();
    assertEquals(all, Array.from({ length: n }, (_, i) => i));
  }));

Deno.test("TelemetryQuery filters by metric and returns only that metric", () =>
  withStores(1, {}, async ([store]) => {
    await store.write(batch([
      message(0, "gpu-1", 0),
      { ...message(1, "gpu-1", 1000, { metric_name: "util", value: 87 }) },
      message(2, "gpu-1", 2000),
    ]));
    const query = new TelemetryQuery([store.reads]);
    const page = await query.telemetry({ gpuId: "gpu-1", metric: "util", limit: 10 });
    assertEquals(page.data.map((r) => r.metrics), [{ util: 87 }]);
    assertEquals((await query.telemetry({ gpuId: "gpu-1", metric: "nope", limit: 10 })).data, []);
  }));

Deno.test("TelemetryQuery lists GPUs and hosts, filtered by hostname", () =>
  withStores(1, {}, async ([store]) => {
    await store.write(batch([
      message(0, "gpu-b", 0, { gpu_id: 1 }),
      message(1, "gpu-a", 1000, { gpu_id: 10 }),
      message(2, "gpu-c", 2000, { Hostname: "host-a", gpu_id: 2 }),
      message(3, "gpu-d", 3000, { Hostname: undefined }),
    ]));
    const query = new TelemetryQuery([store.reads]);
    const list = query.listGpus();
    assertEquals(list.total, 4);
    assertEquals(list.gpus.map((g) => [g.id, g.hostname, g.gpu_index]), [
      ["gpu-c", "host-a", "2"],
      ["gpu-a", "host-a", "10"],
      ["gpu-b", "host-b", "1"],
      ["gpu-d", null, "0"],
    ]);
    assertEquals(query.listGpus({ hostname: "host-b" }).gpus.map((g) => g.id), ["gpu-b"]);
    assertEquals(query.listGpus({ hostname: "zzz" }), { total: 0, gpus: [] });
    assertEquals(query.listHosts(), {
      total: 2,
      hosts: [
        { hostname: "host-a", gpu_count: 2, last_seen: iso(2000) },
        { hostname: "host-b", gpu_count: 1, last_seen: iso(0) },
      ],
    });
    assertEquals(query.hostGpus("host-a").total, 2);
    assertThrows(() => query.hostGpus("zzz"), {
      name: "UnknownHostError",
      message: 'unknown host "zzz"',
    });
  }));

Deno.test("TelemetryQuery rejects unknown GPUs and foreign cursors", () =>
  withStores(1, {}, async ([store]) => {
    await store.write(batch([message(0, "gpu-1", 0), message(1, "gpu-1", 1000)]));
    const query = new TelemetryQuery([store.reads]);
    await assertRejects(() => query.telemetry({ gpuId: "x", limit: 1 }), {
      name: "UnknownGpuError",
    });
    assertThrows(() => query.newest("x", 1), {
      name: "UnknownGpuError",
      message: 'unknown GPU "x"',
    });
    const { next_cursor } = await query.telemetry({ gpuId: "gpu-1", limit: 1 });
    await assertRejects(
      () => query.telemetry({ gpuId: "gpu-1", limit: 1, startMs: 5, cursor: next_cursor! }),
      {
        name: "QueryError",
      },
    );
    await assertRejects(() => query.telemetry({ gpuId: "gpu-1", limit: 0 }), {
      name: "RangeError",
    });
    assertEquals(query.newest("gpu-1", 1).map((r) => r.metrics.seq), [1]);
  }));

Deno.test("TelemetryQuery merges a GPU found in several collectors' dirs", () =>
  withStores(2, { maxEntries: 2, indexEvery: 2 }, async ([a, b]) => {
    // The GPU's partition moved from collector a to collector b mid-stream.
    await a.write(batch(Array.from({ length: 6 }, (_, i) => message(i, "gpu-1", i * 1000))));
    await b.write(
      batch(
        Array.from(
          { length: 6 },
          (_, i) => message(i + 4, "gpu-1", (i + 4) * 1000, { metric_name: "temp" }),
        ),
      ),
    );
    await b.write(batch([message(0, "gpu-2", 0)], 1));
    const query = new TelemetryQuery([a.reads, b.reads]);
    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await query.telemetry({ gpuId: "gpu-1", limit: 3, cursor });
      pages.push(
        page.data.map((r) =>
          `${Object.keys(r.metrics)[0]}@${(Date.parse(r.timestamp) - T0) / 1000}`
        ),
      );
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
    assertEquals(pages, [
      ["seq@0", "seq@1", "seq@2"],
      ["seq@3", "seq@4", "temp@4"],
      ["seq@5", "temp@5", "temp@6"],
      ["temp@7", "temp@8", "temp@9"],
    ]);
    const gpu = query.listGpus().gpus.find((g) => g.id === "gpu-1")!;
    assertEquals([gpu.first_seen, gpu.last_seen, gpu.latest], [iso(0), iso(9000), {
      seq: 5,
      temp: 9,
    }]);
    assertEquals(query.stats().records_total, 13);
    assertEquals(query.stats().sources, 2);
    assertEquals(query.memoryStats().records, 5);
    assertEquals(query.memoryStats().gpus, 2);
    // Each collector holds its newest 2 in memory; the merge keeps the newest 3 of those.
    assertEquals(query.newest("gpu-1", 3).map((r) => r.timestamp), [
      iso(5000),
      iso(8000),
      iso(9000),
    ]);
  }));

Deno.test("TelemetryQuery reads only the index blocks a narrow window needs, not the whole file", () =>
  withStores(1, { maxEntries: 100, indexEvery: 64 }, async ([store]) => {
    const n = 10_000;
    await store.write(batch(Array.from({ length: n }, (_, i) => message(i, "gpu-1", i * 1000))));
    const query = new TelemetryQuery([store.reads]);
    const page = await query.telemetry({
      gpuId: "gpu-1",
      startMs: T0 + 5000_000,
      endMs: T0 + 5009_000,
      limit: 100,
    });
    assertEquals(seqs(page), [5000, 5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008, 5009]);
    // 5000..5009 lie in block 78 (lines 4992..5055): one block of 157.
    assertEquals([store.stats().query_file_reads, store.stats().query_file_blocks], [1, 1]);
    // A page of 100 from the start of a wide window stops after two blocks.
    const wide = await query.telemetry({ gpuId: "gpu-1", startMs: T0, limit: 100 });
    assertEquals(seqs(wide).length, 100);
    assertEquals(store.stats().query_file_blocks, 3);
    // The newest records come from memory.
    await query.telemetry({ gpuId: "gpu-1", startMs: T0 + 9950_000, limit: 10 });
    assertEquals([store.stats().query_memory_reads, store.stats().query_file_reads], [1, 2]);
  }));

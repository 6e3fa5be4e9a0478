import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { join } from "node:path";
import { DataDirView } from "../../src/query/data_dir_view.ts";
import { CollectorStore } from "../../src/collect/store.ts";
import { batch, messages } from "../collect/_store_helpers.ts";
import { withDir } from "../_helpers.ts";

const seqs = (records: { metrics: Record<string, unknown> }[]) => records.map((r) => r.metrics.seq);

async function collector(root: string, id: string, from: number, to: number, key: string) {
  await using store = await CollectorStore.open({ dir: join(root, id), fsync: false });
  await store.write(batch(messages(from, to, () => key)));
}

Deno.test("DataDirView serves every collector dir under a data dir and merges a GPU seen by two", () =>
  withDir(async (root) => {
    await collector(root, "c1", 0, 3, "gpu-a");
    await collector(root, "c2", 3, 5, "gpu-a");
    await collector(root, "c2", 5, 6, "gpu-b");
    await Deno.mkdir(join(root, "broker-segments")); // not a collector: no checkpoint
    await using view = new DataDirView({ dataDir: root });
    assertEquals(view.reader(), undefined, "not ready before the first refresh");
    await view.refresh();
    const reader = view.reader()!;
    assertEquals(view.ids(), ["c1", "c2"]);
    assertEquals(reader.listGpus().gpus.map((g) => g.id), ["gpu-a", "gpu-b"]);
    const page = await reader.telemetry({ gpuId: "gpu-a", limit: 10 });
    assertEquals(seqs(page.data), [0, 1, 2, 3, 4]);
    assertEquals(reader.stats().sources, 4, "two dirs: each its files and its journal tail");
  }));

Deno.test("DataDirView picks up collector dirs created later, and a cursor from before stays valid", () =>
  withDir(async (root) => {
    await collector(root, "c1", 0, 4, "gpu-a");
    await using view = new DataDirView({ dataDir: root });
    await view.refresh();
    const reader = view.reader()!;
    const first = await reader.telemetry({ gpuId: "gpu-a", limit: 2 });
    assertEquals(seqs(first.data), [0, 1]);
    await collector(root, "c0", 10, 12, "gpu-a");
    await view.refresh();
    assertEquals(view.ids(), ["c1", "c0"], "appended, never reordered");
    const next = await reader.telemetry({ gpuId: "gpu-a", limit: 10, cursor: first.next_cursor! });
    assertEquals(seqs(next.data), [2, 3], "only what the paging began with");
    const fresh = await reader.telemetry({ gpuId: "gpu-a", limit: 10 });
    assertEquals(seqs(fresh.data), [0, 1, 2, 3, 10, 11]);
  }));

Deno.test("DataDirView over a missing data dir is ready and empty", async () => {
  await using view = new DataDirView({ dataDir: "/nonexistent/gputel-data" });
  await view.refresh();
  assertEquals(view.reader()!.listGpus(), { total: 0, gpus: [] });
  assertEquals(view.reader()!.memoryStats().gpus, 0);
});

Deno.test("DataDirView.refreshIfStale reads again only after minRefreshMs", () =>
  withDir(async (root) => {
    let now = 1000;
    await collector(root, "c1", 0, 1, "gpu-a");
    await using view = new DataDirView({
      dataDir: root,
      minRefreshMs: 500,
      clock: { now: () => now },
    });
    await view.refreshIfStale();
    await collector(root, "c1", 1, 2, "gpu-a");
    now += 499;
    await view.refreshIfStale();
    assertEquals(view.reader()!.stats().refreshes, 1);
    assertEquals(view.reader()!.listGpus().gpus[0].latest, { seq: 0 });
    now += 1;
    await view.refreshIfStale();
    assertEquals(view.reader()!.stats().refreshes, 2);
    assertEquals(view.reader()!.listGpus().gpus[0].latest, { seq: 1 });
  }));

Deno.test("DataDirView rejects bad options naming the field", () => {
  assertThrows(() => new DataDirView({ dataDir: "" }), {
    name: "RangeError",
    message: "DataDirView: dataDir must be a non-empty path",
  });
  assertThrows(() => new DataDirView({ dataDir: "d", minRefreshMs: -1 }), {
    name: "RangeError",
    message: "DataDirView: minRefreshMs must be a number >= 0, got -1",
  });
  assertThrows(() => new DataDirView({ dataDir: "d", maxMemory: 0.5 }), {
    name: "RangeError",
    message: "DataDirView: maxMemory must be an integer >= 1, got 0.5",
  });
});

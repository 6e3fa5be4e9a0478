import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { join } from "node:path";
import { CollectorDirView } from "../../src/query/collector_dir_view.ts";
import { gpuFileName } from "../../src/datadir/file_name.ts";
import { TelemetryQuery } from "../../src/query/query.ts";
import { CollectorStore } from "../../src/collect/store.ts";
import { batch, messages } from "../collect/_store_helpers.ts";
import { withDir } from "../_helpers.ts";

const seqs = (records: { metrics: Record<string, unknown> }[]) => records.map((r) => r.metrics.seq);

Deno.test("CollectorDirView follows a live store across refreshes without taking its lock", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false });
    await using view = new CollectorDirView({ dir });
    await store.write(batch(messages(0, 3, () => "gpu-a")));
    await view.refresh();
    assertEquals(view.reads.gpus(), [], "nothing before the store's checkpoint");
    await store.checkpoint();
    await view.refresh();
    const query = new TelemetryQuery([view.reads]);
    assertEquals(query.listGpus().gpus.map((g) => [g.id, g.latest]), [["gpu-a", { seq: 2 }]]);
    assertEquals(seqs((await query.telemetry({ gpuId: "gpu-a", limit: 10 })).data), [0, 1, 2]);

    await store.write(batch(messages(3, 5, (o) => (o === 4 ? "gpu-b" : "gpu-a"))));
    await store.checkpoint();
    assertEquals(view.reads.highWater("gpu-a"), 3, "nothing new before a refresh");
    await view.refresh();
    assertEquals(view.reads.highWater("gpu-a"), 4);
    assertEquals(seqs((await query.telemetry({ gpuId: "gpu-a", limit: 10 })).data), [0, 1, 2, 3]);
    assertEquals(seqs(query.newest("gpu-b", 5)), [4]);
    assertEquals(view.stats().records_total, 5);
    assertEquals(view.stats().files, 2);
  }));

Deno.test("CollectorDirView never reads bytes past a file's committed size", () =>
  withDir(async (dir) => {
    const store = await CollectorStore.open({ dir, fsync: false });
    await store.write(batch(messages(0, 2, () => "gpu-a")));
    await store.close();
    // What a collector killed between its write and its checkpoint leaves behind.
    const line = (await Deno.readTextFile(join(dir, "gpu-a.jsonl"))).split("\n")[0];
    await Deno.writeTextFile(join(dir, "gpu-a.jsonl"), `${line}\n${line}\n{"torn`, {
      append: true,
    });
    await using view = new CollectorDirView({ dir });
    await view.refresh();
    assertEquals([view.reads.highWater("gpu-a"), view.stats().records_total], [2, 2]);
    assertEquals(view.stats().corrupt_lines, 0);
  }));

Deno.test("CollectorDirView leaves a dir without a checkpoint alone and creates nothing in it", () =>
  withDir(async (dir) => {
    await using view = new CollectorDirView({ dir });
    await view.refresh();
    assertEquals(view.reads.gpus(), []);
    assertEquals([...Deno.readDirSync(dir)], []);
  }));

Deno.test("CollectorDirView starts over when a committed size shrinks", () =>
  withDir(async (dir) => {
    const store = await CollectorStore.open({ dir, fsync: false });
    await store.write(batch(messages(0, 3, () => "gpu-a")));
    await store.close();
    await using view = new CollectorDirView({ dir });
    await view.refresh();
    assertEquals(view.reads.highWater("gpu-a"), 3);
    // A restarted collector corrects the size of a file found short.
    const first = (await Deno.readTextFile(join(dir, "gpu-a.jsonl"))).indexOf("\n") + 1;
    const kv = await Deno.openKv(join(dir, "checkpoint.kv"));
    await kv.set(["f", gpuFileName("gpu-a")], first);
    kv.close();
    await view.refresh();
    assertEquals([view.reads.highWater("gpu-a"), view.stats().rebuilds], [1, 1]);
    assertEquals(seqs(view.reads.newest("gpu-a", 10)), [0]);
  }));

Deno.test("CollectorDirView answers old windows from the file once records left memory", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false });
    await store.write(batch(messages(0, 300, () => "gpu-a")));
    await store.checkpoint();
    await using view = new CollectorDirView({ dir, maxEntries: 10, indexEvery: 16 });
    await view.refresh();
    const query = new TelemetryQuery([view.reads]);
    const T0 = Date.UTC(2026, 10, 27, 17, 0, 0);
    const page = await query.telemetry({
      gpuId: "gpu-a",
      startMs: T0 + 100_000,
      endMs: T0 + 102_000,
      limit: 10,
    });
    assertEquals(seqs(page.data), [100, 101, 102]);
    assertEquals(view.stats().query_file_reads, 1);
    const recent = await query.telemetry({ gpuId: "gpu-a", startMs: T0 + 295_000, limit: 10 });
    assertEquals(seqs(recent.data), [295, 296, 297, 298, 299]);
    assertEquals(view.stats().query_memory_reads, 1);
  }));

Deno.test("CollectorDirView rejects bad options naming the field, and close is safe twice", async () => {
  assertThrows(() => new CollectorDirView({ dir: "" }), {
    name: "RangeError",
    message: "CollectorDirView: dir must be a non-empty path",
  });
  assertThrows(() => new CollectorDirView({ dir: "d", indexEvery: 0 }), {
    name: "RangeError",
    message: "CollectorDirView: indexEvery must be an integer >= 1, got 0",
  });
  assertThrows(() => new CollectorDirView({ dir: "d", maxEntries: 0 }), {
    name: "RangeError",
    message: "MemoryWindow: maxEntries must be an integer >= 1, got 0",
  });
  const view = new CollectorDirView({ dir: "d" });
  await view.close();
  await view.close();
});

import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { join } from "node:path";
import { CollectorStore } from "../../src/collect/store.ts";
import { batch, jsonlFiles, lines, messages, T0 } from "./_store_helpers.ts";
import { waitUntil, withDir as withTempDir } from "../_helpers.ts";

const withDir = (fn: (dir: string) => Promise<void>) => withTempDir(fn, "c1");

const seqsIn = async (path: string) => (await lines(path)).map((l) => JSON.parse(l).metrics.seq);

/** Waits (up to 10 s) until `check` holds; the store's timers run meanwhile. */
const eventually = (what: string, check: () => boolean) => waitUntil(what, check, 10_000, 10);

Deno.test("CollectorStore fdatasyncs one journal entry per round and touches no GPU file until a checkpoint", () =>
  withDir(async (dir) => {
    const syncData = Deno.FsFile.prototype.syncData;
    let syncs = 0;
    Deno.FsFile.prototype.syncData = function (this: Deno.FsFile) {
      syncs++;
      return syncData.call(this);
    };
    try {
      for (const fsync of [true, false]) {
        await using store = await CollectorStore.open({ dir: `${dir}-${fsync}`, fsync });
        syncs = 0;
        await store.writeMany([
          batch(messages(0, 30, (o) => `gpu-${o % 6}`), 0),
          batch(messages(0, 10, (o) => `gpu-${o % 2}`), 1),
        ]);
        await store.write(batch(messages(30, 40, (o) => `gpu-${o % 6}`), 0));
        assertEquals([syncs, await jsonlFiles(`${dir}-${fsync}`)], [fsync ? 2 : 0, []]);
        syncs = 0;
        await store.checkpoint();
        // Six files; with fsync each is fdatasynced, and the dir.
        assertEquals(syncs, fsync ? 6 : 0);
        assertEquals((await jsonlFiles(`${dir}-${fsync}`)).length, 6);
      }
    } finally {
      Deno.FsFile.prototype.syncData = syncData;
    }
  }));

Deno.test("CollectorStore serves a round's lines from memory and files alike before its checkpoint", () =>
  withDir(async (dir) => {
    // One record per GPU in memory: older windows are read through the file's index.
    await using store = await CollectorStore.open({ dir, fsync: false, maxEntries: 1 });
    await store.write(batch(messages(0, 40, () => "gpu-a")));
    await store.checkpoint();
    await store.write(batch(messages(40, 100, () => "gpu-a")));
    const read = async (from: number, to: number) =>
      (await store.reads.read("gpu-a", {
        startMs: T0 + from * 1000,
        endMs: T0 + to * 1000,
        maxSeq: store.reads.highWater("gpu-a"),
        limit: 1000,
      })).map((e) => e.record.metrics.seq);
    const range = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => from + i);
    // 30..69 spans the lines on disk and those still in the file's tail.
    assertEquals(await read(30, 69), range(30, 70));
    assertEquals(await read(0, 99), range(0, 100));
    assertEquals(store.stats().query_file_reads, 2);
    assertEquals(await seqsIn(join(dir, "gpu-a.jsonl")), range(0, 40));
  }));

Deno.test("CollectorStore checkpoints by itself once the journal passes maxJournalBytes", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false, maxJournalBytes: 1 });
    await store.write(batch(messages(0, 5, () => "gpu-a")));
    await eventually("a checkpoint", () => store.stats().checkpoints === 1);
    assertEquals(await seqsIn(join(dir, "gpu-a.jsonl")), [0, 1, 2, 3, 4]);
    assertEquals(store.stats().journal_bytes, 0);
  }));

Deno.test("CollectorStore checkpoints by itself within checkpointMs of a round", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false, checkpointMs: 20 });
    await store.write(batch(messages(0, 3, () => "gpu-a")));
    await eventually("a checkpoint", () => store.stats().checkpoints === 1);
    assertEquals(await seqsIn(join(dir, "gpu-a.jsonl")), [0, 1, 2]);
  }));

Deno.test("CollectorStore keeps nothing of a round whose journal entry fails, and goes on", () =>
  withDir(async (dir) => {
    {
      await using store = await CollectorStore.open({ dir });
      await store.write(batch(messages(0, 4, (o) => `gpu-${o % 2}`)));
      const journalBytes = store.stats().journal_bytes;
      // The round's fdatasync fails once (the cut back after it succeeds).
      const syncData = Deno.FsFile.prototype.syncData;
      Deno.FsFile.prototype.syncData = function () {
        Deno.FsFile.prototype.syncData = syncData;
        return Promise.reject(new Error("EIO"));
      };
      try {
        await assertRejects(
          () => store.write(batch(messages(4, 8, (o) => `gpu-${o % 3}`))),
          { message: "EIO" },
        );
      } finally {
        Deno.FsFile.prototype.syncData = syncData;
      }
      assertEquals(store.stats().journal_bytes, journalBytes);
      assertEquals([store.nextOffset("t", "g", 0), store.reads.highWater("gpu-2")], [4, 0]);
      assertEquals(store.stats().records_total, 4);
      // The broker redelivers the failed range.
      assertEquals((await store.write(batch(messages(4, 8, (o) => `gpu-${o % 3}`)))).stored, 4);
      assertEquals(store.reads.highWater("gpu-2"), 1);
    }
    await using store = await CollectorStore.open({ dir });
    assertEquals(store.stats().records_total, 8);
    assertEquals(await seqsIn(join(dir, "gpu-0.jsonl")), [0, 2, 6]);
    assertEquals(await seqsIn(join(dir, "gpu-1.jsonl")), [1, 3, 4, 7]);
    assertEquals(await seqsIn(join(dir, "gpu-2.jsonl")), [5]);
  }));

Deno.test("CollectorStore keeps serving and storing when a checkpoint fails, and retries it", () =>
  withDir(async (dir) => {
    const errors: unknown[] = [];
    await using store = await CollectorStore.open({
      dir,
      fsync: false,
      onCheckpointError: (e) => errors.push(e),
    });
    // A directory where gpu-b's file should go makes the checkpoint's write fail.
    await Deno.mkdir(join(dir, "gpu-b.jsonl"), { recursive: true });
    await store.write(batch(messages(0, 4, (o) => (o % 2 ? "gpu-b" : "gpu-a"))));
    await assertRejects(() => store.checkpoint());
    assertEquals([store.stats().checkpoint_failures, errors.length], [1, 1]);
    await store.write(batch(messages(4, 6, (o) => (o % 2 ? "gpu-b" : "gpu-a"))));
    assertEquals(store.reads.newest("gpu-b", 10).map((r) => r.metrics.seq), [1, 3, 5]);
    await Deno.remove(join(dir, "gpu-b.jsonl"));
    await store.checkpoint();
    assertEquals(await seqsIn(join(dir, "gpu-a.jsonl")), [0, 2, 4]);
    assertEquals(await seqsIn(join(dir, "gpu-b.jsonl")), [1, 3, 5]);
    assertEquals(store.stats().checkpoints, 1);
  }));

Deno.test("CollectorStore retries a failed checkpoint by itself, with no new round", () =>
  withDir(async (dir) => {
    const errors: unknown[] = [];
    await using store = await CollectorStore.open({
      dir,
      fsync: false,
      checkpointMs: 20,
      onCheckpointError: (e) => errors.push(e),
    });
    await Deno.mkdir(join(dir, "gpu-b.jsonl"), { recursive: true });
    await store.write(batch(messages(0, 4, (o) => (o % 2 ? "gpu-b" : "gpu-a"))));
    await eventually("a failed checkpoint", () => errors.length > 0);
    await Deno.remove(join(dir, "gpu-b.jsonl"));
    await eventually("a checkpoint", () => store.stats().checkpoints === 1);
    assertEquals(await seqsIn(join(dir, "gpu-b.jsonl")), [1, 3]);
  }));

Deno.test("CollectorStore refuses rounds once maxUnflushedBytes wait for a failing checkpoint, and stores them after it succeeds", () =>
  withDir(async (dir) => {
    const errors: unknown[] = [];
    await using store = await CollectorStore.open({
      dir,
      fsync: false,
      checkpointMs: 3_600_000,
      maxUnflushedBytes: 2_000,
      onCheckpointError: (e) => errors.push(e),
    });
    // A directory where gpu-b's file should go makes every checkpoint fail.
    await Deno.mkdir(join(dir, "gpu-b.jsonl"), { recursive: true });
    const key = () => "gpu-b";
    let next = 0;
    while (store.stats().unflushed_bytes < 2_000) {
      await store.write(batch(messages(next, next + 4, key)));
      next += 4;
    }
    const held = store.stats().unflushed_bytes;
    const refused = await store.write(batch(messages(next, next + 4, key))).then(
      () => undefined,
      (e: Error) => e,
    );
    assertEquals(refused?.name, "StoreBackloggedError");
    assertEquals(/gpu-b\.jsonl|directory/i.test(refused!.message), true, refused!.message);
    assertEquals(refused!.message.includes("limit 2000 bytes"), true, refused!.message);
    // Nothing of the refused round was kept, and memory did not grow.
    assertEquals(store.stats().records_total, next);
    assertEquals(store.nextOffset("t", "g", 0), next);
    assertEquals(store.stats().unflushed_bytes, held);
    assertEquals(errors.length >= 1, true);
    // Once the file can be written, the broker's redelivery is stored.
    await Deno.remove(join(dir, "gpu-b.jsonl"));
    assertEquals((await store.write(batch(messages(next, next + 4, key)))).stored, 4);
    await store.checkpoint();
    assertEquals(store.stats().unflushed_bytes, 0);
    const all = Array.from({ length: next + 4 }, (_, i) => i);
    assertEquals(await seqsIn(join(dir, "gpu-b.jsonl")), all);
  }));

Deno.test("CollectorStore over maxUnflushedBytes waits for a checkpoint instead of refusing when it succeeds", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({
      dir,
      fsync: false,
      checkpointMs: 3_600_000,
      maxUnflushedBytes: 2_000,
    });
    let peak = 0;
    for (let next = 0; next < 200; next += 4) {
      await store.write(batch(messages(next, next + 4, (o) => `gpu-${o % 3}`)));
      peak = Math.max(peak, store.stats().unflushed_bytes);
    }
    const { checkpoints, checkpoint_failures, records_total } = store.stats();
    assertEquals([checkpoint_failures, records_total], [0, 200]);
    assertEquals(checkpoints >= 2, true, `checkpoints ${checkpoints}`);
    // At most one round beyond the limit is ever held.
    assertEquals(peak < 2_000 + 1_000, true, `peak ${peak}`);
  }));

import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { join } from "node:path";
import { ManualClock } from "../../src/clock.ts";
import { StoreClosedError, StoreLockedError } from "../../src/collect/errors.ts";
import { gpuFileName } from "../../src/datadir/file_name.ts";
import { CollectorStore, resolveCollectorStoreOptions } from "../../src/collect/store.ts";
import { batch, jsonlFiles, lines, messages, payload, T0 } from "./_store_helpers.ts";
import { withDir as withTempDir } from "../_helpers.ts";
import { decodePayload } from "../../src/record/record_payload.ts";

const withDir = (fn: (dir: string) => Promise<void>) => withTempDir(fn, "collector-1");

Deno.test("CollectorStore writes one JSONL file per GPU with one line per record", () =>
  withDir(async (dir) => {
    const clock = new ManualClock(42);
    await using store = await CollectorStore.open({ dir, clock });
    const result = await store.write(batch(messages(0, 10, (o) => `gpu-${o % 3}`)));
    assertEquals(result, { stored: 10, skipped: 0, invalid: [] });
    // Durable in the journal; the checkpoint writes the GPU files.
    assertEquals(await jsonlFiles(dir), []);
    assertEquals(store.stats().journal_bytes > 0, true);
    await store.checkpoint();
    assertEquals(await jsonlFiles(dir), ["gpu-0.jsonl", "gpu-1.jsonl", "gpu-2.jsonl"]);
    const gpu0 = (await lines(join(dir, "gpu-0.jsonl"))).map((l) => JSON.parse(l));
    assertEquals(gpu0.map((r) => r.metrics.seq), [0, 3, 6, 9]);
    assertEquals(gpu0[1], {
      gpu_id: "gpu-0",
      timestamp: new Date(T0 + 3000).toISOString(),
      metrics: { seq: 3 },
      labels: { hostname: "host-a", gpu_index: "0" },
    });
    assertEquals(store.nextOffset("t", "g", 0), 10);
    assertEquals(store.nextOffset("t", "g", 1), 0);
    const bytes = (await Promise.all((await jsonlFiles(dir)).map((n) => Deno.stat(join(dir, n)))))
      .reduce((sum, s) => sum + s.size, 0);
    assertEquals(store.stats(), {
      records_stored: 10,
      records_total: 10,
      duplicates_skipped: 0,
      invalid: 0,
      files: 3,
      bytes,
      batches: 1,
      commits: 1,
      checkpoints: 1,
      checkpoint_failures: 0,
      journal_bytes: 0,
      unflushed_bytes: 0,
      recovered_journal_entries: 0,
      recovered_journal_bytes: 0,
      recovered_journal_torn_bytes: 0,
      recovered_journal_gaps: 0,
      recovered_truncated_bytes: 0,
      recovered_removed_files: 0,
      recovered_short_files: 0,
      corrupt_lines: 0,
      recovered_index_bytes: 0,
      recovered_scanned_bytes: 0,
      index_snapshots: 0,
      last_write_ms: 42,
      query_memory_reads: 0,
      query_file_reads: 0,
      query_file_blocks: 0,
    });
  }));

Deno.test("CollectorStore skips redelivered offsets so lines equal unique records", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false });
    await store.write(batch(messages(0, 10, () => "gpu-a")));
    assertEquals(await store.write(batch(messages(5, 15, () => "gpu-a"))), {
      stored: 5,
      skipped: 5,
      invalid: [],
    });
    assertEquals(await store.write(batch(messages(0, 15, () => "gpu-a"))), {
      stored: 0,
      skipped: 15,
      invalid: [],
    });
    await store.checkpoint();
    const seqs = (await lines(join(dir, "gpu-a.jsonl"))).map((l) => JSON.parse(l).metrics.seq);
    assertEquals(seqs, Array.from({ length: 15 }, (_, i) => i));
    assertEquals(store.stats().duplicates_skipped, 20);
    assertEquals(store.stats().commits, 2);
  }));

Deno.test("CollectorStore keeps partitions, groups and topics apart", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false });
    await store.write(batch(messages(0, 3, () => "gpu-a"), 0));
    await store.write(batch(messages(0, 2, () => "gpu-b"), 1));
    await store.write({
      topic: "t2",
      group: "g",
      partition: 0,
      messages: messages(0, 1, () => "gpu-c"),
    });
    await store.write({
      topic: "t",
      group: "g2",
      partition: 0,
      messages: messages(0, 1, () => "gpu-d"),
    });
    assertEquals(
      [
        store.nextOffset("t", "g", 0),
        store.nextOffset("t", "g", 1),
        store.nextOffset("t2", "g", 0),
        store.nextOffset("t", "g2", 0),
      ],
      [3, 2, 1, 1],
    );
  }));

Deno.test("CollectorStore reports invalid messages, stores the rest and consumes their offsets", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false });
    const list = messages(0, 4, () => "gpu-a");
    list[1] = { ...list[1], payload: new TextEncoder().encode("not json") };
    list[2] = { ...list[2], key: "" };
    const result = await store.write(batch(list));
    assertEquals(result.stored, 2);
    assertEquals(result.invalid.map((i) => i.offset), [1, 2]);
    assertEquals(result.invalid[1].error, "message key is empty; it must name the GPU");
    assertEquals(store.nextOffset("t", "g", 0), 4);
    await store.checkpoint();
    assertEquals((await lines(join(dir, "gpu-a.jsonl"))).length, 2);
    assertEquals(store.stats().invalid, 2);
    assertEquals(await store.write(batch([list[1]])), { stored: 0, skipped: 1, invalid: [] });
  }));

Deno.test("CollectorStore serialises overlapping writes from several connections", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false });
    const writes = [];
    for (let p = 0; p < 4; p++) {
      for (let b = 0; b < 5; b++) {
        writes.push(
          store.write(batch(messages(b * 10, b * 10 + 10, (o) => `gpu-${p}-${o % 2}`), p)),
        );
      }
    }
    const results = await Promise.all(writes);
    assertEquals(results.reduce((n, r) => n + r.stored, 0), 200);
    await store.checkpoint();
    for (let p = 0; p < 4; p++) {
      assertEquals(store.nextOffset("t", "g", p), 50);
      const seqs = (await lines(join(dir, `gpu-${p}-0.jsonl`))).map((l) =>
        JSON.parse(l).metrics.seq
      );
      assertEquals(seqs, Array.from({ length: 25 }, (_, i) => i * 2));
    }
  }));

Deno.test("CollectorStore cuts files back to the checkpoint after a crash between write and commit", () =>
  withDir(async (dir) => {
    {
      await using store = await CollectorStore.open({ dir, fsync: false });
      await store.write(batch(messages(0, 6, (o) => `gpu-${o % 2}`)));
    }
    const goodSize = (await Deno.stat(join(dir, "gpu-0.jsonl"))).size;
    // What a crash leaves behind: lines of offsets 6..9 written, never checkpointed,
    // a torn half line, and a file created for a GPU first seen in that batch.
    const uncommitted = (await lines(join(dir, "gpu-0.jsonl"))).slice(0, 2).join("\n") +
      '\n{"gpu_id":"gp';
    await Deno.writeTextFile(join(dir, "gpu-0.jsonl"), uncommitted, { append: true });
    await Deno.writeTextFile(join(dir, "gpu-new.jsonl"), '{"gpu_id":"gpu-new"}\n');
    await using store = await CollectorStore.open({ dir, fsync: false });
    assertEquals((await Deno.stat(join(dir, "gpu-0.jsonl"))).size, goodSize);
    assertEquals(await jsonlFiles(dir), ["gpu-0.jsonl", "gpu-1.jsonl"]);
    const stats = store.stats();
    assertEquals(
      [stats.recovered_truncated_bytes, stats.recovered_removed_files, stats.records_total],
      [new TextEncoder().encode(uncommitted).length, 1, 6],
    );
    // The broker redelivers everything not acked, and more.
    assertEquals(await store.write(batch(messages(3, 10, (o) => `gpu-${o % 2}`))), {
      stored: 4,
      skipped: 3,
      invalid: [],
    });
    await store.checkpoint();
    const seqs0 = (await lines(join(dir, "gpu-0.jsonl"))).map((l) => JSON.parse(l).metrics.seq);
    const seqs1 = (await lines(join(dir, "gpu-1.jsonl"))).map((l) => JSON.parse(l).metrics.seq);
    assertEquals([seqs0, seqs1], [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]);
  }));

Deno.test("CollectorStore keeps whole lines of a file shorter than its checkpoint and corrects it", () =>
  withDir(async (dir) => {
    {
      await using store = await CollectorStore.open({ dir, fsync: false });
      await store.write(batch(messages(0, 4, () => "gpu-a")));
    }
    const path = join(dir, "gpu-a.jsonl");
    const all = await lines(path);
    // Power loss without fsync: the tail of the last line never reached the disk.
    await Deno.writeTextFile(path, all.slice(0, 3).join("\n") + "\n" + all[3].slice(0, 10));
    {
      await using store = await CollectorStore.open({ dir, fsync: false });
      assertEquals(store.stats().recovered_short_files, 1);
      assertEquals(store.stats().records_total, 3);
      assertEquals(await lines(path), all.slice(0, 3));
      await store.write(batch(messages(4, 5, () => "gpu-a")));
    }
    await using store = await CollectorStore.open({ dir, fsync: false });
    assertEquals(store.stats().recovered_short_files, 0);
    assertEquals((await lines(path)).map((l) => JSON.parse(l).metrics.seq), [0, 1, 2, 4]);
  }));

Deno.test("CollectorStore rebuilds the memory window and GPU metadata at open", () =>
  withDir(async (dir) => {
    {
      await using store = await CollectorStore.open({ dir, fsync: false, maxEntries: 3 });
      await store.write(batch(messages(0, 10, () => "gpu-a")));
    }
    await using store = await CollectorStore.open({ dir, fsync: false, maxEntries: 3 });
    assertEquals(store.reads.newest("gpu-a", 10).map((r) => r.metrics.seq), [7, 8, 9]);
    assertEquals(store.reads.highWater("gpu-a"), 10);
    assertEquals(store.reads.gpu("gpu-a"), {
      id: "gpu-a",
      hostname: "host-a",
      gpu_index: "0",
      model: null,
      first_seen: new Date(T0).toISOString(),
      last_seen: new Date(T0 + 9000).toISOString(),
      latest: { seq: 9 },
    });
    assertEquals(store.reads.memoryStats().records, 3);
  }));

Deno.test("CollectorStore refuses a dir another store holds, naming the holder's pid", () =>
  withDir(async (dir) => {
    const first = await CollectorStore.open({ dir });
    await assertRejects(() => CollectorStore.open({ dir }), (e: unknown) => {
      assertEquals(e instanceof StoreLockedError, true);
      assertEquals(
        (e as Error).message,
        `data dir ${dir} is in use by another collector (pid ${Deno.pid}); give each collector its own --id`,
      );
      return true;
    });
    await first.close();
    const second = await CollectorStore.open({ dir });
    await second.close();
  }));

Deno.test("CollectorStore refuses a dir held by another process", () =>
  withDir(async (dir) => {
    await Deno.mkdir(dir, { recursive: true });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        new URL("./_store_child.ts", import.meta.url).pathname,
        "hold",
        dir,
      ],
      stdout: "piped",
      stdin: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assertEquals((await reader.read()).value?.trim(), "held");
    await assertRejects(() => CollectorStore.open({ dir }), {
      name: "StoreLockedError",
      message:
        `data dir ${dir} is in use by another collector (pid ${child.pid}); give each collector its own --id`,
    });
    await child.stdin.close();
    await reader.cancel();
    await child.status;
    await (await CollectorStore.open({ dir })).close();
  }));

Deno.test("CollectorStore close is safe twice and later writes fail with StoreClosedError", () =>
  withDir(async (dir) => {
    const store = await CollectorStore.open({ dir });
    const pending = store.write(batch(messages(0, 2, () => "gpu-a")));
    const closing = store.close();
    await store.close();
    await closing;
    assertEquals((await pending).stored, 2);
    await assertRejects(() => store.write(batch(messages(2, 3, () => "gpu-a"))), StoreClosedError);
    await assertRejects(
      () => store.reads.read("gpu-a", { startMs: 0, endMs: 1, maxSeq: 1, limit: 1 }),
      StoreClosedError,
    );
  }));

Deno.test("resolveCollectorStoreOptions fills defaults and names the bad field", () => {
  const resolved = resolveCollectorStoreOptions({ dir: "d" });
  assertEquals(
    [resolved.maxEntries, resolved.maxMemory, resolved.fsync, resolved.indexEvery],
    [1000, 1_000_000, true, 64],
  );
  for (
    const [options, message] of [
      [{ dir: "" }, "CollectorStore: dir must be a non-empty path"],
      [{ dir: "d", indexEvery: 0 }, "CollectorStore: indexEvery must be an integer >= 1, got 0"],
      [{ dir: "d", maxEntries: -1 }, "MemoryWindow: maxEntries must be an integer >= 1, got -1"],
    ] as const
  ) {
    let thrown: unknown;
    try {
      resolveCollectorStoreOptions(options);
    } catch (e) {
      thrown = e;
    }
    assertEquals([(thrown as Error).name, (thrown as Error).message], ["RangeError", message]);
  }
});

Deno.test("payload helper produces what the store reads", () => {
  assertEquals(JSON.parse(new TextDecoder().decode(payload(2))).fields.value, 2);
  assertEquals(gpuFileName("gpu-a"), "gpu-a.jsonl");
});

Deno.test("CollectorStore refuses to open GPU files whose checkpoint is missing instead of deleting them", () =>
  withDir(async (dir) => {
    {
      await using store = await CollectorStore.open({ dir, fsync: false });
      await store.write(batch(messages(0, 3, () => "gpu-a")));
    }
    for (const suffix of ["", "-wal", "-shm"]) {
      await Deno.remove(join(dir, `checkpoint.kv${suffix}`)).catch(() => {});
    }
    await assertRejects(() => CollectorStore.open({ dir }), {
      name: "StoreDataError",
      message: `data dir ${dir} holds 1 GPU files but no checkpoint.kv that covers them; ` +
        "move them out of the way or give this collector another --id",
    });
    assertEquals((await lines(join(dir, "gpu-a.jsonl"))).length, 3);
  }));

Deno.test("CollectorStore stores a record payload (what the streamer sends) byte for byte as the message it checks, origin included, and refuses a forged one", () =>
  withDir(async (dir) => {
    const records = Array.from({ length: 6 }, (_, o) => ({
      offset: o,
      key: `gpu-${o % 2}`,
      payload: new TextEncoder().encode(
        JSON.stringify(decodePayload(`gpu-${o % 2}`, payload(o)).record),
      ),
    }));
    const forged = new TextEncoder().encode(
      JSON.stringify({ ...decodePayload("gpu-0", payload(6)).record, gpu_id: "gpu-9" }),
    );
    records.push({ offset: 6, key: "gpu-0", payload: forged });
    const viaRecords = join(dir, "records");
    const viaMessages = join(dir, "messages");
    for (
      const [at, list] of [[viaRecords, records], [
        viaMessages,
        messages(0, 6, (o) => `gpu-${o % 2}`),
      ]] as const
    ) {
      await using store = await CollectorStore.open({ dir: at });
      const result = await store.write({ ...batch([...list]), origin: "0123456789ab" });
      assertEquals(result.stored, 6);
      assertEquals(
        result.invalid,
        at === viaRecords ? [{ offset: 6, error: "record gpu_id is not the message key" }] : [],
      );
      await store.checkpoint();
      assertEquals(
        store.reads.newest("gpu-1", 10).map((r) => r._o),
        [1, 3, 5].map((o) => `0123456789ab:0:${o}`),
      );
    }
    const stored = await lines(join(viaRecords, "gpu-0.jsonl"));
    assertEquals(stored, await lines(join(viaMessages, "gpu-0.jsonl")));
    assertEquals(stored.map((l) => JSON.parse(l)._o), [0, 2, 4].map((o) => `0123456789ab:0:${o}`));
    assertEquals(
      await lines(join(viaRecords, "gpu-1.jsonl")),
      await lines(join(viaMessages, "gpu-1.jsonl")),
    );
  }));

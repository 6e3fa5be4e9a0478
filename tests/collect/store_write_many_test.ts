import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { join } from "node:path";
import { gpuFileName } from "../../src/datadir/file_name.ts";
import { CollectorStore } from "../../src/collect/store.ts";
import { batch, jsonlFiles, lines, messages } from "./_store_helpers.ts";
import { withDir as withTempDir } from "../_helpers.ts";

const withDir = (fn: (dir: string) => Promise<void>) => withTempDir(fn, "c1");

/** `partition:seq` of every line of a GPU file; seq doubles as the offset. */
async function tagged(dir: string, name: string): Promise<number[]> {
  return (await lines(join(dir, name))).map((l) => JSON.parse(l).metrics.seq);
}

const keyOf = (o: number) => `gpu-${o % 3}`;

Deno.test("CollectorStore.writeMany stores several partitions in one round with one commit", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false });
    const results = await store.writeMany([
      batch(messages(0, 6, keyOf), 0),
      batch(messages(100, 103, keyOf), 1),
      batch(messages(6, 9, keyOf), 0),
      batch(messages(3, 12, keyOf), 0),
    ]);
    assertEquals(results, [
      { stored: 6, skipped: 0, invalid: [] },
      { stored: 3, skipped: 0, invalid: [] },
      { stored: 3, skipped: 0, invalid: [] },
      { stored: 3, skipped: 6, invalid: [] },
    ]);
    assertEquals(store.stats().commits, 1);
    assertEquals(store.stats().batches, 4);
    assertEquals(store.nextOffset("t", "g", 0), 12);
    assertEquals(store.nextOffset("t", "g", 1), 103);
    await store.checkpoint();
    assertEquals(await jsonlFiles(dir), ["gpu-0.jsonl", "gpu-1.jsonl", "gpu-2.jsonl"]);
    // Each file holds its lines in batch order: partition 0's first batch,
    // partition 1's, then the rest of partition 0.
    assertEquals(await tagged(dir, "gpu-0.jsonl"), [0, 3, 102, 6, 9]);
    assertEquals(await tagged(dir, "gpu-1.jsonl"), [1, 4, 100, 7, 10]);
    assertEquals(await tagged(dir, "gpu-2.jsonl"), [2, 5, 101, 8, 11]);
    assertEquals(store.reads.highWater("gpu-0"), 5);
    // A redelivery of the whole round stores nothing.
    const again = await store.writeMany([
      batch(messages(0, 12, keyOf), 0),
      batch(messages(100, 103, keyOf), 1),
    ]);
    assertEquals(again.map((r) => r.stored), [0, 0]);
    assertEquals(store.stats().commits, 1);
  }));

Deno.test("CollectorStore.writeMany checkpoints every partition of a round and reopens to them", () =>
  withDir(async (dir) => {
    {
      await using store = await CollectorStore.open({ dir, fsync: false });
      await store.writeMany(
        Array.from({ length: 40 }, (_, p) => batch(messages(0, 5 + p, keyOf), p)),
      );
      assertEquals(store.stats().commits, 1);
    }
    await using store = await CollectorStore.open({ dir, fsync: false });
    for (let p = 0; p < 40; p++) assertEquals(store.nextOffset("t", "g", p), 5 + p);
    assertEquals(store.stats().records_total, 40 * 5 + (39 * 40) / 2);
    assertEquals(store.stats().recovered_truncated_bytes, 0);
  }));

Deno.test("CollectorStore.writeMany rejects a malformed batch before writing any", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false });
    await assertRejects(
      () => store.writeMany([batch(messages(0, 3, keyOf), 0), batch(messages(0, 3, keyOf), -1)]),
      { name: "TypeError" },
    );
    assertEquals(await jsonlFiles(dir), []);
    assertEquals(store.nextOffset("t", "g", 0), 0);
  }));

/** Runs `_round_crash_child.ts` in a mode; it must die with code 9 after round 1. */
async function crash(mode: string, dir: string): Promise<void> {
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_round_crash_child.ts", import.meta.url).pathname, mode, dir],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(child.code, 9, new TextDecoder().decode(child.stderr));
  assertEquals(new TextDecoder().decode(child.stdout), "round1\n");
}

/** Every line of every GPU file, with how often it occurs. */
async function lineCounts(dir: string): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const name of await jsonlFiles(dir)) {
    for (const line of await lines(join(dir, name))) seen.set(line, (seen.get(line) ?? 0) + 1);
  }
  return seen;
}

const keyOf4 = (o: number) => `GPU-${o % 4}`;

// What the second round of the crash child appended to the GPU files.
async function secondRoundBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const name of await jsonlFiles(dir)) {
    for (const line of await lines(join(dir, name))) {
      if (JSON.parse(line).metrics.seq >= 20) bytes += new TextEncoder().encode(line).length + 1;
    }
  }
  return bytes;
}

for (const mode of ["acked", "checkpoint"]) {
  Deno.test(`CollectorStore replays an acknowledged round after a crash (${mode})`, () =>
    withDir(async (dir) => {
      await crash(mode, dir);
      await using store = await CollectorStore.open({ dir, fsync: false });
      const stats = store.stats();
      assertEquals(stats.records_total, 80);
      assertEquals([store.nextOffset("t", "g", 0), store.nextOffset("t", "g", 1)], [40, 40]);
      assertEquals(stats.recovered_journal_entries, 1);
      const bytes = await secondRoundBytes(dir);
      assertEquals(stats.recovered_journal_bytes, bytes);
      // Killed mid-checkpoint, the files held the round uncommitted: cut, then replayed.
      assertEquals(stats.recovered_truncated_bytes, mode === "checkpoint" ? bytes : 0);
      // Two partitions carry the same payloads: every line appears exactly twice.
      const seen = await lineCounts(dir);
      assertEquals(seen.size, 40);
      assertEquals([...seen.values()].every((n) => n === 2), true);
      // The broker redelivers from the last ack it saw: all of it is skipped.
      const results = await store.writeMany([
        batch(messages(0, 40, keyOf4), 0),
        batch(messages(10, 40, keyOf4), 1),
      ]);
      assertEquals(results.map((r) => [r.stored, r.skipped]), [[0, 40], [0, 30]]);
    }));
}

Deno.test("CollectorStore drops a torn journal entry: that round was never acknowledged", () =>
  withDir(async (dir) => {
    await crash("torn", dir);
    await using store = await CollectorStore.open({ dir, fsync: false });
    const stats = store.stats();
    assertEquals([stats.records_total, stats.recovered_journal_entries], [40, 0]);
    assertEquals(stats.recovered_journal_torn_bytes > 0, true);
    assertEquals([store.nextOffset("t", "g", 0), store.nextOffset("t", "g", 1)], [20, 20]);
    const results = await store.writeMany([
      batch(messages(0, 40, keyOf4), 0),
      batch(messages(20, 40, keyOf4), 1),
    ]);
    assertEquals(results.map((r) => [r.stored, r.skipped]), [[20, 20], [20, 0]]);
    await store.checkpoint();
    const seen = await lineCounts(dir);
    assertEquals([seen.size, [...seen.values()].every((n) => n === 2)], [40, true]);
  }));

Deno.test("CollectorStore replays over a checkpoint cut between its KV commits without duplicating", () =>
  withDir(async (dir) => {
    await crash("split", dir);
    await using store = await CollectorStore.open({ dir, fsync: false });
    const stats = store.stats();
    assertEquals([stats.records_total, stats.files], [1200, 600]);
    assertEquals(store.nextOffset("t", "g", 0), 1200);
    assertEquals(stats.recovered_journal_entries, 1);
    // The first KV commit recorded 500 files' sizes: those kept their second
    // line and replay skipped it; the other 100 were cut and replayed.
    const cut = stats.recovered_truncated_bytes;
    assertEquals(cut, stats.recovered_journal_bytes);
    assertEquals(cut > 0 && cut < (await secondRoundBytes(dir)) / 5, true, `${cut}`);
    for (const gpu of [0, 299, 300, 599]) {
      assertEquals(await tagged(dir, `gpu-${gpu}.jsonl`), [gpu, 600 + gpu]);
    }
    const seen = await lineCounts(dir);
    assertEquals([seen.size, [...seen.values()].every((n) => n === 1)], [1200, true]);
  }));

Deno.test("CollectorStore counts a journal block its file was cut short under, and never misplaces it", () =>
  withDir(async (dir) => {
    await crash("acked", dir);
    // Power loss without fsync: GPU-0's file lost its last checkpointed line.
    const path = join(dir, gpuFileName("GPU-0"));
    const kept = (await lines(path)).slice(0, -1);
    await Deno.writeTextFile(path, kept.map((l) => l + "\n").join(""));
    await using store = await CollectorStore.open({ dir, fsync: false });
    const stats = store.stats();
    assertEquals([stats.recovered_short_files, stats.recovered_journal_gaps], [1, 1]);
    // GPU-0 keeps what it had; the other three files got their second round.
    assertEquals(stats.records_total, 80 - 1 - 10);
    assertEquals((await lines(path)).length, kept.length);
  }));

import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { join } from "node:path";
import { CollectorStore } from "../../src/collect/store.ts";
import { batch, jsonlFiles, lines, messages } from "./_store_helpers.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "gputel_many_" });
  try {
    await fn(join(root, "c1"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

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
    assertEquals(await jsonlFiles(dir), ["gpu-0.jsonl", "gpu-1.jsonl", "gpu-2.jsonl"]);
    // Each file holds its lines in batch order: partition 0's first batch,
    // partition 1's, then the rest of partition 0.
    assertEquals(await tagged(dir, "gpu-0.jsonl"), [0, 3, 102, 6, 9]);
    assertEquals(await tagged(dir, "gpu-1.jsonl"), [1, 4, 100, 7, 10]);
    assertEquals(await tagged(dir, "gpu-2.jsonl"), [2, 5, 101, 8, 11]);
    assertEquals(store.highWater("gpu-0"), 5);
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

Deno.test("CollectorStore.writeMany keeps the commits before a failed one and cuts back the rest", () =>
  withDir(async (dir) => {
    await using store = await CollectorStore.open({ dir, fsync: false });
    // 600 GPUs: more files than one commit takes, so the round needs three
    // commits: partition 0 (GPUs 0..299), then partition 1 in two ranges
    // (GPUs 300..599 and 0..199, then GPUs 200..299).
    const wide = (o: number) => `gpu-${o % 600}`;
    const round = () => [batch(messages(0, 300, wide), 0), batch(messages(300, 900, wide), 1)];
    const commit = Deno.AtomicOperation.prototype.commit;
    let calls = 0;
    Deno.AtomicOperation.prototype.commit = function (this: Deno.AtomicOperation) {
      if (++calls === 2) return Promise.reject(new Error("disk full"));
      return commit.call(this);
    };
    try {
      await assertRejects(() => store.writeMany(round()), { message: "disk full" });
    } finally {
      Deno.AtomicOperation.prototype.commit = commit;
    }
    assertEquals(calls, 2);
    assertEquals([store.nextOffset("t", "g", 0), store.nextOffset("t", "g", 1)], [300, 0]);
    // GPUs 0..199 had a line of each partition appended: cut back to the first.
    assertEquals(await tagged(dir, "gpu-7.jsonl"), [7]);
    assertEquals((await jsonlFiles(dir)).length, 300, "files no commit covers are removed");
    assertEquals(store.stats().records_total, 300);
    assertEquals(store.highWater("gpu-7"), 1);
    const results = await store.writeMany(round());
    assertEquals(results.map((r) => [r.stored, r.skipped]), [[0, 300], [600, 0]]);
    assertEquals(store.stats().commits, 1 + 2);
    assertEquals((await jsonlFiles(dir)).length, 600);
    assertEquals(await tagged(dir, "gpu-7.jsonl"), [7, 607]);
    assertEquals(await tagged(dir, "gpu-599.jsonl"), [599]);
  }));

Deno.test("CollectorStore recovers from a crash between a round's file writes and its commit", () =>
  withDir(async (dir) => {
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./_round_crash_child.ts", import.meta.url).pathname, dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(child.code, 9, new TextDecoder().decode(child.stderr));
    assertEquals(new TextDecoder().decode(child.stdout), "round1\n");
    // The second round's lines reached the files, but not the checkpoint.
    const total = async () => {
      let n = 0;
      for (const name of await jsonlFiles(dir)) n += (await lines(join(dir, name))).length;
      return n;
    };
    assertEquals(await total(), 80);
    await using store = await CollectorStore.open({ dir, fsync: false });
    assertEquals(store.stats().recovered_truncated_bytes > 0, true);
    assertEquals(store.stats().records_total, 40);
    assertEquals([store.nextOffset("t", "g", 0), store.nextOffset("t", "g", 1)], [20, 20]);
    // The broker redelivers from the last ack: the first round is skipped exactly.
    const keyOf4 = (o: number) => `GPU-${o % 4}`;
    const results = await store.writeMany([
      batch(messages(0, 40, keyOf4), 0),
      batch(messages(10, 40, keyOf4), 1),
    ]);
    assertEquals(results.map((r) => [r.stored, r.skipped]), [[20, 20], [20, 10]]);
    assertEquals(await total(), 80);
    const seen = new Map<string, number>();
    for (const name of await jsonlFiles(dir)) {
      for (const line of await lines(join(dir, name))) seen.set(line, (seen.get(line) ?? 0) + 1);
    }
    // Two partitions carry the same payloads: every line appears exactly twice.
    assertEquals(seen.size, 40);
    assertEquals([...seen.values()].every((n) => n === 2), true);
  }));

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { compactDataDir } from "../../src/collect/compact.ts";
import { logIdOf } from "../../src/record/origin.ts";
import { CollectorStore, type StoreMessage } from "../../src/collect/store.ts";
import { lines, payload } from "./_store_helpers.ts";

const LOG = logIdOf("broker-1", "t");

const range = (from: number, to: number): StoreMessage[] =>
  Array.from({ length: to - from }, (_, i) => ({
    offset: from + i,
    key: `GPU-${(from + i) % 3}`,
    payload: payload(from + i),
  }));

async function fill(dir: string, from: number, to: number): Promise<CollectorStore> {
  const store = await CollectorStore.open({ dir, fsync: false });
  await store.write({
    topic: "t",
    group: "g@b",
    partition: 0,
    messages: range(from, to),
    origin: LOG,
  });
  return store;
}

/** The `seq` metric of every line of every GPU file of a dir. */
async function stored(dir: string): Promise<number[]> {
  const out: number[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.endsWith(".jsonl")) continue;
    for (const line of await lines(join(dir, e.name))) out.push(JSON.parse(line).metrics.seq);
  }
  return out.sort((a, b) => a - b);
}

Deno.test("compact keeps each origin once across collector dirs, never writes a live one, and is idempotent", async () => {
  const root = await Deno.makeTempDir({ prefix: "gputel_compact_" });
  try {
    await (await fill(join(root, "c1"), 5, 20)).close();
    await (await fill(join(root, "c2"), 15, 30)).close();
    // c0 is held by a running collector whose newest round is only in its journal.
    const live = await fill(join(root, "c0"), 0, 10);
    await live.checkpoint();
    await live.write({
      topic: "t",
      group: "g@b",
      partition: 0,
      messages: range(10, 12),
      origin: LOG,
    });
    const liveFiles = await stored(join(root, "c0"));

    const first = await compactDataDir(root, { fsync: false });
    assertEquals(first.dirs.map((d) => [d.id, d.state, d.removed]), [
      ["c0", "live", 0],
      ["c1", "compacted", 5 + 2],
      ["c2", "compacted", 5],
    ]);
    assertEquals(first.removed, 12);
    assertEquals(await stored(join(root, "c0")), liveFiles, "the live dir is untouched");
    assertEquals(await stored(join(root, "c1")), Array.from({ length: 8 }, (_, i) => 12 + i));
    assertEquals(await stored(join(root, "c2")), Array.from({ length: 10 }, (_, i) => 20 + i));

    const again = await compactDataDir(root, { fsync: false });
    assertEquals(again.removed, 0);
    await live.close();
    assertEquals(
      [
        ...await stored(join(root, "c0")),
        ...await stored(join(root, "c1")),
        ...await stored(join(root, "c2")),
      ]
        .sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i),
    );
    // The rewritten dirs open cleanly: their checkpoints match their files.
    for (const id of ["c1", "c2"]) {
      await using store = await CollectorStore.open({ dir: join(root, id), fsync: false });
      const s = store.stats();
      assertEquals([s.recovered_truncated_bytes, s.recovered_short_files], [0, 0], id);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

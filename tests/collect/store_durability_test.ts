import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join, relative } from "node:path";
import { gpuFileName } from "../../src/datadir/file_name.ts";
import { CollectorStore } from "../../src/collect/store.ts";
import { batch, jsonlFiles, lines, messages } from "./_store_helpers.ts";
import { withDir as withTempDir } from "../_helpers.ts";
import { answers, scannedAnswers, snapshotPath } from "./_index_helpers.ts";

const withDir = (fn: (dir: string) => Promise<void>) => withTempDir(fn, "c1");

const HOSTILE = [
  "../../x",
  "/etc/passwd",
  "..",
  ".",
  "a\u0000b",
  "\\",
  "..\\..\\evil",
  "GPU-AbC",
  "gpu-abc",
  "Gpu-Abc",
  "😀",
  "z".repeat(1024),
  "checkpoint.kv",
  "collector.lock",
  "nul",
];

Deno.test("CollectorStore keeps hostile keys inside the dir, one distinct file each", () =>
  withDir(async (dir) => {
    const list = HOSTILE.flatMap((key, i) =>
      [0, 1].map((j) => ({ ...messages(0, 1, () => key)[0], offset: i * 2 + j }))
    );
    {
      await using store = await CollectorStore.open({ dir, fsync: false });
      assertEquals((await store.write(batch(list))).stored, HOSTILE.length * 2);
    }
    const root = join(dir, "..");
    const everything: string[] = [];
    for await (const entry of Deno.readDir(root)) everything.push(entry.name);
    assertEquals(everything, ["c1"]);
    const names = await jsonlFiles(dir);
    assertEquals(names, HOSTILE.map(gpuFileName).sort());
    for (const name of names) {
      assertEquals(relative(dir, join(dir, name)), name);
      const records = (await lines(join(dir, name))).map((l) => JSON.parse(l));
      assertEquals(records.length, 2);
      assertEquals(gpuFileName(records[0].gpu_id), name);
    }
    await using store = await CollectorStore.open({ dir, fsync: false });
    assertEquals(store.reads.gpus().map((g) => g.id).sort(), [...HOSTILE].sort());
    for (const key of HOSTILE) assertEquals(store.reads.highWater(key), 2);
    assertEquals(await Deno.readTextFile(join(dir, "collector.lock")), `${Deno.pid}\n`);
  }));

Deno.test("CollectorStore checkpoints a round touching 1,200 long-named files in several KV commits", () =>
  withDir(async (dir) => {
    const keyOf = (o: number) => `${"k".repeat(94)}-${String(o % 1200).padStart(4, "0")}`;
    assertEquals(gpuFileName(keyOf(0)).length, 105);
    {
      await using store = await CollectorStore.open({ dir, fsync: false });
      assertEquals(await store.write(batch(messages(0, 2400, keyOf))), {
        stored: 2400,
        skipped: 0,
        invalid: [],
      });
      assertEquals(store.stats().commits, 1);
      assertEquals(store.nextOffset("t", "g", 0), 2400);
      const commit = Deno.AtomicOperation.prototype.commit;
      let commits = 0;
      Deno.AtomicOperation.prototype.commit = function (this: Deno.AtomicOperation) {
        commits++;
        return commit.call(this);
      };
      try {
        await store.checkpoint();
      } finally {
        Deno.AtomicOperation.prototype.commit = commit;
      }
      // 500 sizes per commit at most: 500, 500, then 200 with the position and generation.
      assertEquals(commits, 3);
    }
    await using store = await CollectorStore.open({ dir, fsync: false });
    assertEquals(store.stats().files, 1200);
    assertEquals(store.stats().records_total, 2400);
    assertEquals(store.stats().recovered_truncated_bytes, 0);
    assertEquals(store.stats().recovered_journal_entries, 0);
    assertEquals(
      (await lines(join(dir, gpuFileName(keyOf(7))))).map((l) => JSON.parse(l).metrics.seq),
      [7, 1207],
    );
  }));

Deno.test("CollectorStore stores every offset exactly once across repeated SIGKILLs", async () => {
  await withDir(async (dir) => {
    const total = 700;
    let acked = 0;
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let kills = 0;
    let killedInSnapshot = 0;
    const recovered: string[] = [];
    // Runs killed at random points — at least eight, and until the kills have
    // hit each case this test is about (a journal replay, a kill inside a
    // snapshot's write, a restart from a snapshot), at most 40 — then one
    // left to finish.
    const replayed = () => recovered.some((r) => Number(r.split(" ")[2]) > 0);
    const restoredFromSnapshot = () => recovered.some((r) => Number(r.split(" ")[3]) > 0);
    const covered = () =>
      kills >= 8 && killedInSnapshot > 0 && replayed() && restoredFromSnapshot();
    for (let round = 0; round < 41; round++) {
      // The broker redelivers from the last ack, plus some already-acked offsets.
      const from = Math.max(0, acked - Math.floor(random() * 20));
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          new URL("./_store_child.ts", import.meta.url).pathname,
          "write",
          dir,
          String(from),
          String(total),
        ],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const killAfter = covered() || kills >= 40 ? Infinity : 1 + Math.floor(random() * 12);
      let seen = 0;
      let done = false;
      let buffer = "";
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      while (true) {
        const { value, done: eof } = await reader.read();
        if (eof) break;
        buffer += value;
        const parts = buffer.split("\n");
        buffer = parts.pop()!;
        for (const line of parts) {
          if (line.startsWith("acked ")) acked = Math.max(acked, Number(line.slice(6)));
          if (line === "done") done = true;
          if (line.startsWith("recovered ")) {
            recovered.push(line.slice(10));
            continue;
          }
          seen++;
        }
        if (!done && seen >= killAfter) {
          await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 8)));
          child.kill("SIGKILL");
          kills++;
          await child.status;
          // A kill inside a time index snapshot's write leaves its temporary file.
          if (await exists(snapshotPath(dir) + ".tmp")) killedInSnapshot++;
          break;
        }
      }
      await reader.cancel().catch(() => {});
      await child.status;
      if (done) break;
    }
    assertEquals(acked, total);
    assertEquals(kills >= 8, true, `${kills} kills`);
    // The kills must have hit rounds acknowledged but not yet checkpointed at
    // least once (recovery replayed the journal), or this test proves nothing.
    assertEquals(replayed(), true, recovered.join("|"));
    const seen = new Map<number, number>();
    for (const name of await jsonlFiles(dir)) {
      for (const line of await lines(join(dir, name))) {
        const seq = JSON.parse(line).metrics.seq;
        seen.set(seq, (seen.get(seq) ?? 0) + 1);
      }
    }
    assertEquals(seen.size, total);
    assertEquals([...seen.values()].every((n) => n === 1), true);
    assertEquals(killedInSnapshot > 0, true, "no kill landed in a time index snapshot's write");
    // ... and restarts after kills read indexes from a snapshot.
    assertEquals(restoredFromSnapshot(), true, recovered.join("|"));
    let restored;
    {
      await using store = await CollectorStore.open({ dir, fsync: false });
      assertEquals(store.stats().records_total, total);
      assertEquals(store.nextOffset("t", "g", 0), total);
      assertEquals(store.stats().recovered_scanned_bytes, 0); // the last run's snapshot
      restored = await answers(store);
    }
    assertEquals(restored, await scannedAnswers(dir, DEFAULTS));
  });
});

const DEFAULTS = { fsync: false, maxEntries: 1000, maxMemory: 1_000_000, indexEvery: 64 };

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

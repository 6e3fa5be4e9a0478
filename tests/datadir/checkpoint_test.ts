import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { join } from "node:path";
import { Checkpoint, MAX_FILES_PER_COMMIT } from "../../src/datadir/checkpoint.ts";
import { lockDir } from "../../src/collect/dir_lock.ts";
import { StoreLockedError } from "../../src/collect/errors.ts";
import { withDir } from "../_helpers.ts";

Deno.test("Checkpoint commits a position with file sizes atomically and reloads them", () =>
  withDir(async (dir) => {
    const path = join(dir, "checkpoint.kv");
    {
      const cp = await Checkpoint.open(path);
      assertEquals(cp.nextOffset("t", "g", 0), 0);
      await cp.commit(
        { topic: "t", group: "g", partition: 3, next: 17 },
        new Map([["a.jsonl", 10]]),
      );
      await cp.commit(undefined, new Map([["b.jsonl", 5]]));
      await cp.correct(new Map([["a.jsonl", 4], ["b.jsonl", undefined]]));
      cp.close();
      cp.close();
    }
    const cp = await Checkpoint.open(path);
    assertEquals(cp.nextOffset("t", "g", 3), 17);
    assertEquals([...cp.fileSizes()], [["a.jsonl", 4]]);
    cp.close();
  }));

Deno.test("Checkpoint takes the most file sizes KV allows in one commit, with the longest names", () =>
  withDir(async (dir) => {
    const cp = await Checkpoint.open(join(dir, "checkpoint.kv"));
    try {
      const name = (i: number) => `${"n".repeat(96)}${String(i).padStart(4, "0")}.jsonl`;
      const sizes = new Map(Array.from({ length: MAX_FILES_PER_COMMIT }, (_, i) => [name(i), i]));
      const group = "g".repeat(512);
      await cp.commit({ topic: "t".repeat(512), group, partition: 1, next: 9 }, sizes);
      assertEquals(cp.fileSizes().size, MAX_FILES_PER_COMMIT);
      sizes.set("one-too-many.jsonl", 1);
      await assertRejects(() => cp.commit(undefined, sizes), { name: "RangeError" });
      await cp.correct(new Map(Array.from({ length: 1200 }, (_, i) => [`c${i}.jsonl`, i])));
      assertEquals(cp.fileSizes().size, MAX_FILES_PER_COMMIT + 1200);
    } finally {
      cp.close();
    }
  }));

Deno.test("Checkpoint.commitSnapshot splits a large checkpoint and records the journal generation last", () =>
  withDir(async (dir) => {
    const path = join(dir, "checkpoint.kv");
    const name = (i: number) => `${"n".repeat(96)}${String(i).padStart(4, "0")}.jsonl`;
    const sizes = new Map(Array.from({ length: 1200 }, (_, i) => [name(i), i + 1]));
    const positions = [{ topic: "t", group: "g", partition: 0, next: 42 }];
    const commit = Deno.AtomicOperation.prototype.commit;
    const seen: number[] = [];
    Deno.AtomicOperation.prototype.commit = function (this: Deno.AtomicOperation) {
      seen.push(seen.length);
      // The last of the three commits fails: the first two stay.
      if (seen.length === 3) return Promise.reject(new Error("disk full"));
      return commit.call(this);
    };
    try {
      const cp = await Checkpoint.open(path);
      try {
        assertEquals(cp.journalGen, 0);
        await assertRejects(() => cp.commitSnapshot(positions, sizes, 7), { message: "disk full" });
        assertEquals([seen.length, cp.journalGen, cp.nextOffset("t", "g", 0)], [3, 0, 0]);
        assertEquals(cp.fileSizes().size, 2 * MAX_FILES_PER_COMMIT);
        seen.length = 0;
        Deno.AtomicOperation.prototype.commit = commit;
        assertEquals(await cp.commitSnapshot(positions, sizes, 7), 3);
      } finally {
        cp.close();
      }
    } finally {
      Deno.AtomicOperation.prototype.commit = commit;
    }
    const cp = await Checkpoint.open(path);
    assertEquals([cp.journalGen, cp.nextOffset("t", "g", 0), cp.fileSizes().size], [7, 42, 1200]);
    assertEquals(cp.positions(), positions);
    assertEquals(cp.fileSizes().get(name(1199)), 1200);
    cp.close();
  }));

Deno.test("lockDir is exclusive until closed and records the holder's pid", () =>
  withDir(async (dir) => {
    const lock = await lockDir(dir);
    await assertRejects(() => lockDir(dir), (e: unknown) => {
      assertEquals(e instanceof StoreLockedError, true);
      assertEquals((e as StoreLockedError).pid, Deno.pid);
      return true;
    });
    lock.close();
    lock.close();
    (await lockDir(dir)).close();
  }));

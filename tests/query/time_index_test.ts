import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { TimeIndex } from "../../src/query/time_index.ts";

Deno.test("TimeIndex groups every N lines into a block with its byte range and time range", () => {
  const index = new TimeIndex(2);
  index.append(10, 5);
  index.append(30, 6);
  index.append(20, 7);
  assertEquals([index.lines, index.size, index.blockCount], [3, 18, 2]);
  assertEquals(
    index.candidates({ startMs: -Infinity, endMs: Infinity, maxSeq: 3 }),
    [
      { firstSeq: 2, offset: 11, count: 1, bytes: 7, minTs: 20, maxTs: 20 },
      { firstSeq: 0, offset: 0, count: 2, bytes: 11, minTs: 10, maxTs: 30 },
    ].sort((a, b) => a.minTs - b.minTs),
  );
});

Deno.test("TimeIndex returns only blocks whose time range meets the window, inclusive at both ends", () => {
  const index = new TimeIndex(10);
  for (let i = 0; i < 100; i++) index.append(i * 100, 10);
  const firstSeqs = (startMs: number, endMs: number, maxSeq = 100) =>
    index.candidates({ startMs, endMs, maxSeq }).map((b) => b.firstSeq);
  assertEquals(firstSeqs(0, 0), [0]);
  assertEquals(firstSeqs(900, 1000), [0, 10]);
  assertEquals(firstSeqs(901, 999), []);
  assertEquals(firstSeqs(5000, 5000), [50]);
  assertEquals(firstSeqs(9900, Infinity), [90]);
  assertEquals(firstSeqs(-Infinity, Infinity, 25), [0, 10, 20]);
  assertEquals(firstSeqs(10_000, 20_000), []);
});

Deno.test("TimeIndex candidates are copies that later appends do not change", () => {
  const index = new TimeIndex(4);
  index.append(1, 10);
  const [block] = index.candidates({ startMs: 0, endMs: 10, maxSeq: 1 });
  index.append(2, 10);
  assertEquals([block.count, block.bytes], [1, 10]);
});

Deno.test("TimeIndex skips unreadable lines in time ranges but counts their bytes", () => {
  const index = new TimeIndex(2);
  index.append(NaN, 3);
  index.append(NaN, 3);
  index.append(5, 4);
  assertEquals(index.size, 10);
  assertEquals(
    index.candidates({ startMs: -Infinity, endMs: Infinity, maxSeq: 3 }).map((b) => b.firstSeq),
    [2],
  );
});

Deno.test("TimeIndex rejects a block size below 1", () => {
  assertThrows(() => new TimeIndex(0), {
    name: "RangeError",
    message: "TimeIndex: every must be an integer >= 1, got 0",
  });
});

Deno.test("TimeIndex.restore holds the blocks it is given and goes on filling the last one", () => {
  const index = new TimeIndex(2);
  for (const [ts, bytes] of [[10, 5], [NaN, 6], [30, 7]]) index.append(ts, bytes);
  const restored = TimeIndex.restore(
    2,
    index.blocks().map(({ firstSeq: _, offset: __, ...b }) => b),
  );
  assertEquals(restored.blocks(), index.blocks());
  assertEquals([restored.lines, restored.size], [3, 18]);
  restored.append(5, 4);
  index.append(5, 4);
  assertEquals(restored.blocks(), index.blocks());
  assertEquals(restored.blocks()[1], {
    firstSeq: 2,
    offset: 11,
    count: 2,
    bytes: 11,
    minTs: 5,
    maxTs: 30,
  });
  assertThrows(
    () => TimeIndex.restore(2, [{ count: 3, bytes: 9, minTs: 0, maxTs: 0 }]),
    RangeError,
  );
  assertThrows(
    () => TimeIndex.restore(2, [{ count: 0, bytes: 0, minTs: 0, maxTs: 0 }]),
    RangeError,
  );
});

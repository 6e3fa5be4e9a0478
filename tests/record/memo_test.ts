import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { memoize } from "../../src/record/memo.ts";

Deno.test("memoize computes each input once, remembers undefined results, and starts over when full", () => {
  const calls: string[] = [];
  const f = memoize((s: string) => {
    calls.push(s);
    return s === "none" ? undefined : s.length;
  }, 3);
  assertEquals([f("a"), f("bb"), f("a"), f("none"), f("none"), f("bb")], [
    1,
    2,
    1,
    undefined,
    undefined,
    2,
  ]);
  assertEquals(calls, ["a", "bb", "none"]);
  f("cccc"); // a fourth input: the memo starts over
  f("a");
  assertEquals(calls, ["a", "bb", "none", "cccc", "a"]);
  assertThrows(() => memoize((s) => s, 0), { name: "RangeError" });
});

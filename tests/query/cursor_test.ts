import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { decodeCursor, encodeCursor } from "../../src/query/cursor.ts";

const scope = { gpuId: "GPU-ü", startMs: 1000.5, endMs: undefined, metric: "util" };
const state = { ts: 1500.25, source: 1, seq: 42, highWater: [10, 99] };

Deno.test("encodeCursor and decodeCursor round-trip a position", () => {
  const cursor = encodeCursor(scope, state);
  assertEquals(/^[A-Za-z0-9_-]+$/.test(cursor), true);
  assertEquals(decodeCursor(cursor, scope, 2), state);
});

Deno.test("decodeCursor rejects a cursor of another query", () => {
  const cursor = encodeCursor(scope, state);
  for (
    const other of [{ ...scope, gpuId: "x" }, { ...scope, startMs: 1000 }, { ...scope, endMs: 5 }, {
      ...scope,
      metric: undefined,
    }]
  ) {
    assertThrows(() => decodeCursor(cursor, other, 2), {
      name: "QueryError",
      message:
        "cursor: cursor belongs to a different query (gpu, start_time, end_time or metric changed)",
    });
  }
  assertThrows(() => decodeCursor(cursor, scope, 1), {
    name: "QueryError",
    message: "cursor: cursor no longer matches the data sources; start paging again",
  });
});

Deno.test("decodeCursor keeps a cursor valid when sources were appended, with nothing from the new ones", () => {
  const cursor = encodeCursor(scope, state);
  assertEquals(decodeCursor(cursor, scope, 4), { ...state, highWater: [10, 99, 0, 0] });
});

Deno.test("decodeCursor rejects garbage as an unknown cursor", () => {
  const forge = (o: unknown) => btoa(JSON.stringify(o)).replaceAll("=", "");
  for (
    const bad of [
      "",
      "abc",
      "%00",
      "a".repeat(5000),
      "!!!!",
      btoa("not json"),
      forge({ v: 2, k: "x", t: 1, i: 0, q: 0, h: [1] }),
      forge({ v: 1, k: "x", t: "1", i: 0, q: 0, h: [1] }),
      forge({ v: 1, k: "x", t: 1, i: -1, q: 0, h: [1] }),
      forge({ v: 1, k: "x", t: 1, i: 0, q: -2, h: [1] }),
      forge({ v: 1, k: "x", t: 1, i: 0, q: 0, h: [1.5] }),
      forge({ v: 1, k: "x", t: 1, i: 0, q: 0, h: "1" }),
      forge(null),
      forge([1]),
    ]
  ) {
    assertThrows(() => decodeCursor(bad, scope, 1), (e: unknown) => {
      assertEquals((e as Error).name, "QueryError");
      assertEquals((e as { param: string }).param, "cursor");
      return true;
    }, bad.slice(0, 20));
  }
});

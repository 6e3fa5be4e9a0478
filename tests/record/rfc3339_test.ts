import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { formatRfc3339, parseRfc3339 } from "../../src/record/rfc3339.ts";

Deno.test("parseRfc3339 reads UTC times with and without fractions", () => {
  assertEquals(parseRfc3339("1970-01-01T00:00:00Z"), 0);
  assertEquals(parseRfc3339("1970-01-01T00:00:01.5Z"), 1500);
  assertEquals(parseRfc3339("2026-11-27T17:00:00.123Z"), Date.UTC(2026, 10, 27, 17, 0, 0, 123));
  assertEquals(parseRfc3339("2025-07-18T20:42:34Z"), Date.UTC(2025, 6, 18, 20, 42, 34));
});

Deno.test("parseRfc3339 applies numeric offsets", () => {
  assertEquals(parseRfc3339("2026-01-01T01:30:00+01:30"), Date.UTC(2026, 0, 1, 0, 0, 0));
  assertEquals(parseRfc3339("2025-12-31T23:00:00-01:00"), Date.UTC(2026, 0, 1, 0, 0, 0));
});

Deno.test("parseRfc3339 keeps sub-millisecond fractions so finer times still order", () => {
  const a = parseRfc3339("2026-01-01T00:00:00.000100Z")!;
  const b = parseRfc3339("2026-01-01T00:00:00.000200Z")!;
  assertEquals(a < b, true);
  assertEquals(
    parseRfc3339("2026-01-01T00:00:00.123456789Z"),
    parseRfc3339("2026-01-01T00:00:00.123456789Z"),
  );
});

Deno.test("parseRfc3339 accepts leap days only in leap years", () => {
  assertEquals(parseRfc3339("2024-02-29T00:00:00Z"), Date.UTC(2024, 1, 29));
  assertEquals(parseRfc3339("2000-02-29T00:00:00Z"), Date.UTC(2000, 1, 29));
  assertEquals(parseRfc3339("2025-02-29T00:00:00Z"), undefined);
  assertEquals(parseRfc3339("1900-02-29T00:00:00Z"), undefined);
});

Deno.test("parseRfc3339 handles years below 100 without the Date two-digit quirk", () => {
  const d = new Date(0);
  d.setUTCFullYear(50, 0, 1);
  assertEquals(parseRfc3339("0050-01-01T00:00:00Z"), d.getTime());
});

Deno.test("parseRfc3339 rejects everything that is not RFC 3339", () => {
  for (
    const bad of [
      "",
      "2026-13-01T00:00:00Z",
      "2026-00-01T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T00:60:00Z",
      "2026-01-01T00:00:61Z",
      "2026-01-01T00:00:00",
      "2026-01-01",
      "2026-1-01T00:00:00Z",
      "2026-01-01T00:00:00.Z",
      "2026-01-01T00:00:00.1234567890Z",
      "2026-01-01T00:00:00+25:00",
      "2026-01-01T00:00:00+01:60",
      " 2026-01-01T00:00:00Z",
      "2026-01-01T00:00:00Z\u0000",
      "1".repeat(5000),
      "2026-01-01T00:00:00Z" + "0".repeat(5000),
      "yesterday",
    ]
  ) {
    assertEquals(parseRfc3339(bad), undefined, bad.slice(0, 40));
  }
});

Deno.test("formatRfc3339 prints UTC with milliseconds", () => {
  assertEquals(formatRfc3339(1500), "1970-01-01T00:00:01.500Z");
});

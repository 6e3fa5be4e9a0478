import assert from "node:assert/strict";
import { CsvRowDecoder, parseCsvText } from "../../src/stream/csv_rows.ts";
import { type BadRow, CsvRowError } from "../../src/stream/csv_errors.ts";
import { thrown } from "./_thrown.ts";

Deno.test("parseCsvText names fields from the header and detects their types", () => {
  assert.deepStrictEqual(parseCsvText("gpu_id,name,ok\n0,a,true\n1,b,FALSE\n"), [
    { line: 2, fields: { gpu_id: 0, name: "a", ok: true } },
    { line: 3, fields: { gpu_id: 1, name: "b", ok: false } },
  ]);
});

Deno.test("parseCsvText leaves empty fields out", () => {
  assert.deepStrictEqual(parseCsvText('a,b,c\n,2,""\n,,\n'), [
    { line: 2, fields: { b: 2 } },
    { line: 3, fields: {} },
  ]);
});

Deno.test("parseCsvText skips and reports rows whose field count differs from the header", () => {
  const bad: BadRow[] = [];
  const rows = parseCsvText("a,b\n1,2\n3\n4,5,6\n7,8\n", { onBadRow: (b) => bad.push(b) });
  assert.deepStrictEqual(rows, [
    { line: 2, fields: { a: 1, b: 2 } },
    { line: 5, fields: { a: 7, b: 8 } },
  ]);
  assert.deepStrictEqual(bad, [
    { line: 3, expected: 2, got: 1, reason: "field_count" },
    { line: 4, expected: 2, got: 3, reason: "field_count" },
  ]);
});

Deno.test("CsvRowDecoder counts rows and bad rows in its summary", () => {
  const decoder = new CsvRowDecoder();
  decoder.push(" a , b\n1,2\n3\n");
  decoder.finish();
  assert.deepStrictEqual(decoder.summary(), { header: ["a", "b"], rows: 1, badRows: 1 });
});

Deno.test("parseCsvText in strict mode throws CsvRowError naming the first bad line", () => {
  const err = thrown(
    () => parseCsvText("a,b\n1,2\n3\n4,5,6\n", { strict: true, sourceName: "t.csv" }),
    CsvRowError,
  );
  assert.strictEqual(err.name, "CsvRowError");
  assert.strictEqual(err.line, 3);
  assert.strictEqual(err.reason, "field_count");
  assert.strictEqual(
    err.message,
    "Bad CSV row at t.csv:3: row has 1 fields but the header has 2",
  );
});

Deno.test("parseCsvText reports a record cut off inside quotes, or throws in strict mode", () => {
  const bad: BadRow[] = [];
  const text = 'a,b\n1,2\n3,"open\n';
  assert.deepStrictEqual(parseCsvText(text, { onBadRow: (b) => bad.push(b) }), [
    { line: 2, fields: { a: 1, b: 2 } },
  ]);
  assert.deepStrictEqual(bad, [{ line: 3, expected: 2, got: 2, reason: "unterminated_quote" }]);
  const err = thrown(() => parseCsvText(text, { strict: true }), CsvRowError);
  assert.strictEqual(err.reason, "unterminated_quote");
  assert.strictEqual(err.line, 3);
});

Deno.test("parseCsvText returns nothing for an empty or header-only text", () => {
  assert.deepStrictEqual(parseCsvText(""), []);
  assert.deepStrictEqual(parseCsvText("\n\n"), []);
  assert.deepStrictEqual(parseCsvText("a,b\n"), []);
});

Deno.test("parseCsvText keeps a __proto__ column as an ordinary own field", () => {
  const [row] = parseCsvText("__proto__,a\nx,1\n");
  assert.deepStrictEqual(Object.keys(row.fields), ["__proto__", "a"]);
  assert.strictEqual(Object.getPrototypeOf(row.fields), Object.prototype);
  assert.strictEqual(JSON.stringify(row.fields), '{"__proto__":"x","a":1}');
});

Deno.test("parseCsvText renames duplicate and empty header names", () => {
  assert.deepStrictEqual(parseCsvText(",v,v\n1,2,3\n"), [
    { line: 2, fields: { column_1: 1, v: 2, v_2: 3 } },
  ]);
});

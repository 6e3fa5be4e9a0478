import assert from "node:assert/strict";
import { type CsvRecord, CsvRecordParser } from "../../src/stream/csv_parser.ts";
import { CsvRowError } from "../../src/stream/csv_errors.ts";
import { mulberry32 } from "../../src/stream/prng.ts";
import { thrown } from "./_thrown.ts";

/** Parses `text` fed in pieces cut at `cuts`. */
function parse(text: string, cuts: number[] = []): CsvRecord[] {
  const parser = new CsvRecordParser();
  const out: CsvRecord[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...parser.push(text.slice(from, cut)));
    from = cut;
  }
  out.push(...parser.finish());
  return out;
}

/** Checks that every single cut point gives the same records as no cut. */
function assertSplitInvariant(text: string, expected: CsvRecord[]): void {
  assert.deepStrictEqual(parse(text), expected, "unsplit");
  for (let cut = 0; cut <= text.length; cut++) {
    assert.deepStrictEqual(parse(text, [cut]), expected, `cut at ${cut}`);
  }
  const oneByOne = [...Array(text.length).keys()];
  assert.deepStrictEqual(parse(text, oneByOne), expected, "one char at a time");
}

const rec = (line: number, ...values: string[]): CsvRecord => ({ line, values });

Deno.test("CsvRecordParser splits plain records at commas and newlines", () => {
  assertSplitInvariant("a,b,c\n1,2,3\n", [rec(1, "a", "b", "c"), rec(2, "1", "2", "3")]);
});

Deno.test("CsvRecordParser returns the last record when the text lacks a final newline", () => {
  assertSplitInvariant("a,b\n1,2", [rec(1, "a", "b"), rec(2, "1", "2")]);
});

Deno.test("CsvRecordParser strips CR of CRLF line endings, quoted or not", () => {
  assertSplitInvariant('a,b\r\n1,"2"\r\n"3",4\r\n', [
    rec(1, "a", "b"),
    rec(2, "1", "2"),
    rec(3, "3", "4"),
  ]);
});

Deno.test("CsvRecordParser keeps a lone CR inside a field as data", () => {
  assertSplitInvariant("a\rb,c\r,d\n", [rec(1, "a\rb", "c\r", "d")]);
  assertSplitInvariant('"a"\r,"b"\rc\n', [rec(1, "a\r", "b\rc")]);
});

Deno.test("CsvRecordParser drops a UTF-8 BOM at the start only", () => {
  assertSplitInvariant("\uFEFFa,b\n\uFEFF1,2\n", [rec(1, "a", "b"), rec(2, "\uFEFF1", "2")]);
});

Deno.test("CsvRecordParser reads commas, newlines and doubled quotes inside quotes", () => {
  assertSplitInvariant('"a,b","c\nd","e""f"""\nx,"""",""\n', [
    rec(1, "a,b", "c\nd", 'e"f"'),
    rec(3, "x", '"', ""),
  ]);
});

Deno.test("CsvRecordParser counts lines inside quoted fields for the next record's line", () => {
  assertSplitInvariant('1,"a\nb\nc"\n2,"d\r\ne"\n3,x\n', [
    rec(1, "1", "a\nb\nc"),
    rec(4, "2", "d\r\ne"),
    rec(6, "3", "x"),
  ]);
});

Deno.test("CsvRecordParser skips blank lines but counts them", () => {
  assertSplitInvariant("\n\na\r\n\r\n\nb\n\n", [rec(3, "a"), rec(6, "b")]);
});

Deno.test("CsvRecordParser keeps empty fields, including trailing ones", () => {
  assertSplitInvariant(",a,,\n,\n", [rec(1, "", "a", "", ""), rec(2, "", "")]);
});

Deno.test("CsvRecordParser keeps text after a closing quote and quotes inside unquoted fields", () => {
  assertSplitInvariant('"a"b,c"d",e\n', [rec(1, "ab", 'c"d"', "e")]);
});

Deno.test("CsvRecordParser flags a record cut off inside quotes at the end", () => {
  assert.deepStrictEqual(parse('a,b\n1,"open\nmore'), [
    rec(1, "a", "b"),
    { line: 2, values: ["1", "open\nmore"], unterminated: true },
  ]);
});

Deno.test("CsvRecordParser keeps non-ASCII text whole", () => {
  assertSplitInvariant("Größe,温度,🌡️\n", [rec(1, "Größe", "温度", "🌡️")]);
});

Deno.test("CsvRecordParser throws CsvRowError naming the line for a record over maxRecordChars", () => {
  const parser = new CsvRecordParser({ maxRecordChars: 16, sourceName: "x.csv" });
  assert.deepStrictEqual(parser.push("a,b\n"), [rec(1, "a", "b")]);
  const err = thrown(() => parser.push('1,"never closed ......'), CsvRowError);
  assert.strictEqual(err.name, "CsvRowError");
  assert.strictEqual(err.line, 2);
  assert.strictEqual(err.reason, "record_too_long");
  assert.match(err.message, /x\.csv:2/);
});

Deno.test("CsvRecordParser rejects a bad maxRecordChars with a RangeError naming it", () => {
  assert.throws(() => new CsvRecordParser({ maxRecordChars: 0 }), /maxRecordChars/);
  assert.throws(() => new CsvRecordParser({ maxRecordChars: 1.5 }), RangeError);
});

Deno.test("CsvRecordParser refuses input after finish", () => {
  const parser = new CsvRecordParser();
  parser.finish();
  assert.throws(() => parser.push("a"), TypeError);
  assert.deepStrictEqual(parser.finish(), []);
});

Deno.test("CsvRecordParser reads back 500 random records written with RFC 4180 quoting, in random chunks", () => {
  const random = mulberry32(2024);
  const alphabet = ["a", "Z", "0", "7", ",", '"', "\n", "\r\n", " ", "ß", "温", "🌡", "-", "."];
  const records: string[][] = [];
  for (let r = 0; r < 500; r++) {
    const width = 1 + Math.floor(random() * 6);
    const values: string[] = [];
    for (let f = 0; f < width; f++) {
      let v = "";
      const n = Math.floor(random() * 8);
      for (let k = 0; k < n; k++) v += alphabet[Math.floor(random() * alphabet.length)];
      values.push(v);
    }
    if (width === 1 && values[0] === "") values[0] = "x"; // an empty line is a blank line
    records.push(values);
  }
  let text = "";
  const expected: CsvRecord[] = [];
  let line = 1;
  for (const values of records) {
    const quoteAll = random() < 0.3;
    text += values.map((v) =>
      quoteAll || /[",\r\n]/.test(v) || v === "" ? `"${v.replaceAll('"', '""')}"` : v
    ).join(",");
    text += random() < 0.5 ? "\n" : "\r\n";
    expected.push(rec(line, ...values));
    line += 1 + values.join("").split("\n").length - 1;
  }
  for (let trial = 0; trial < 20; trial++) {
    const cuts: number[] = [];
    for (let at = 0; at < text.length; at += 1 + Math.floor(random() * 40)) cuts.push(at);
    assert.deepStrictEqual(parse(text, cuts), expected, `trial ${trial}`);
  }
});

Deno.test("CsvRecordParser with skipTooLong skips a long record to the end of its line and keeps going", () => {
  const parser = new CsvRecordParser({ maxRecordChars: 16, skipTooLong: true });
  const long = "x".repeat(40);
  // Fed in pieces: the limit is passed before the line's newline arrives.
  const got = [
    ...parser.push("a,b\n1,"),
    ...parser.push(long),
    ...parser.push(long + ",2\n3,4\n"),
    ...parser.push(`5,"${long}"\n6,7\n`),
    ...parser.finish(),
  ];
  assert.deepEqual(got, [
    { line: 1, values: ["a", "b"] },
    { line: 2, values: [], tooLong: true },
    { line: 3, values: ["3", "4"] },
    { line: 4, values: [], tooLong: true },
    { line: 5, values: ["6", "7"] },
  ]);
});

Deno.test("CsvRecordParser with skipTooLong ends a stray quote's record at the line where it passed the limit", () => {
  const parser = new CsvRecordParser({ maxRecordChars: 12, skipTooLong: true });
  const got = [
    ...parser.push('a,b\n1,"oops\nmore text\nand more\n'),
    ...parser.push("2,3\n"),
    ...parser.finish(),
  ];
  assert.deepEqual(got, [
    { line: 1, values: ["a", "b"] },
    { line: 2, values: [], tooLong: true },
    { line: 5, values: ["2", "3"] },
  ]);
});

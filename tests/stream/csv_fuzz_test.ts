import assert from "node:assert/strict";
import { CsvRowError } from "../../src/stream/csv_errors.ts";
import { readCsvRows } from "../../src/stream/csv_reader.ts";
import { parseCsvText } from "../../src/stream/csv_rows.ts";
import { mulberry32 as prng } from "../../src/stream/prng.ts";

const SEED = 0xc5f_0008;
const FIXTURES = ["dcgm_two_rows.csv", "quoted.csv", "ragged.csv", "wide.csv", "bom_crlf.csv"]
  .map((name) => Deno.readTextFileSync(new URL(`../fixtures/${name}`, import.meta.url)));
const PIECES = [
  '"',
  '""',
  ",",
  "\n",
  "\r",
  "\r\n",
  "\0",
  "\uFEFF",
  "\uFFFD",
  "é",
  "😀",
  " ",
  "=",
  "\\",
];

/** A fixture with a few characters inserted, deleted or replaced. */
function mutated(rnd: () => number): string {
  const int = (n: number) => Math.floor(rnd() * n);
  let text = FIXTURES[int(FIXTURES.length)];
  for (let i = 1 + int(6); i > 0; i--) {
    const at = int(text.length + 1);
    const piece = rnd() < 0.1 ? "x".repeat(int(3000)) : PIECES[int(PIECES.length)];
    switch (int(3)) {
      case 0:
        text = text.slice(0, at) + piece + text.slice(at);
        break;
      case 1:
        text = text.slice(0, at) + text.slice(at + 1 + int(20));
        break;
      default:
        text = text.slice(0, at) + piece + text.slice(at + piece.length);
    }
  }
  return text;
}

function randomBytes(rnd: () => number): Uint8Array {
  return Uint8Array.from({ length: int(rnd, 600) }, () => int(rnd, 256));
}

function int(rnd: () => number, n: number): number {
  return Math.floor(rnd() * n);
}

/** Only the documented errors may come out. */
function assertDocumented(e: unknown, input: number): void {
  assert.ok(e instanceof CsvRowError || e instanceof RangeError, `input ${input} threw ${e}`);
}

Deno.test("parseCsvText turns 50,000 random and mutated inputs into rows or CsvRowError only", () => {
  const rnd = prng(SEED);
  const decoder = new TextDecoder();
  let rows = 0;
  let errors = 0;
  for (let i = 0; i < 50_000; i++) {
    const text = i % 2 === 0 ? mutated(rnd) : decoder.decode(randomBytes(rnd));
    let bad = 0;
    try {
      rows += parseCsvText(text, {
        strict: rnd() < 0.3,
        maxRecordChars: 2048,
        onBadRow: () => bad++,
      }).length;
    } catch (e) {
      assertDocumented(e, i);
      errors++;
    }
  }
  // both outcomes occur, so the inputs reach past the header
  assert.ok(rows > 25_000, `rows ${rows}`);
  assert.ok(errors > 2500, `errors ${errors}`);
});

Deno.test("readCsvRows over 5,000 random byte streams in random chunks ends, with rows or CsvRowError", async () => {
  const rnd = prng(SEED + 1);
  for (let i = 0; i < 5_000; i++) {
    const bytes = i % 2 === 0 ? new TextEncoder().encode(mutated(rnd)) : randomBytes(rnd);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length;) {
      const n = 1 + int(rnd, 64);
      chunks.push(bytes.subarray(at, at + n));
      at += n;
    }
    const stream = ReadableStream.from(chunks);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = (async () => {
      try {
        for await (const _ of readCsvRows(stream, { maxRecordChars: 2048 })) {
          // consume
        }
      } catch (e) {
        assertDocumented(e, i);
      }
      return "done" as const;
    })();
    const outcome = await Promise.race([
      read,
      new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), 5000))),
    ]);
    clearTimeout(timer);
    assert.equal(outcome, "done", `input ${i} did not finish within 5 s`);
  }
});

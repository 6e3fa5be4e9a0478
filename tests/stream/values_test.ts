import assert from "node:assert/strict";
import { detectValue } from "../../src/stream/values.ts";
import type { FieldValue } from "../../src/record/message.ts";

const TABLE: ReadonlyArray<readonly [string, FieldValue | undefined]> = [
  // empty and blank cells are omitted
  ["", undefined],
  [" ", undefined],
  ["\t \t", undefined],
  // integers
  ["0", 0],
  ["7", 7],
  ["42", 42],
  ["-3", -3],
  ["+5", 5],
  ["-0", 0],
  ["81559", 81559],
  ["9007199254740991", 9007199254740991],
  ["-9007199254740991", -9007199254740991],
  // floats
  ["1.5", 1.5],
  ["-1.5", -1.5],
  ["0.5", 0.5],
  [".5", 0.5],
  ["-.5", -0.5],
  ["1.", 1],
  ["689.457", 689.457],
  ["1.50", 1.5],
  ["6.02e23", 6.02e23],
  ["1E3", 1000],
  ["-1e-3", -0.001],
  ["2.5E+2", 250],
  ["1e20", 1e20],
  ["0e5", 0],
  // surrounding spaces and tabs are not part of the value
  [" 45", 45],
  ["45 ", 45],
  ["\t87\t", 87],
  [" N/A ", "N/A"],
  // booleans, any case
  ["true", true],
  ["false", false],
  ["TRUE", true],
  ["False", false],
  ["tRuE", true],
  // strings
  ["N/A", "N/A"],
  ["[N/A]", "[N/A]"],
  ["NaN", "NaN"],
  ["Infinity", "Infinity"],
  ["-Infinity", "-Infinity"],
  ["0x1F", "0x1F"],
  ["0b101", "0b101"],
  ["1e", "1e"],
  ["1e+", "1e+"],
  ["e5", "e5"],
  [".", "."],
  ["-", "-"],
  ["+", "+"],
  ["1,5", "1,5"],
  ["1 000", "1 000"],
  ["1_000", "1_000"],
  ["--1", "--1"],
  ["1.2.3", "1.2.3"],
  ["87 %", "87 %"],
  ["312.50 W", "312.50 W"],
  ["1e400", "1e400"],
  ["-1e400", "-1e400"],
  ["9007199254740993", "9007199254740993"],
  ["12345678901234567890", "12345678901234567890"],
  ["007", "007"],
  ["00", "00"],
  ["-007", "-007"],
  ["01.5", "01.5"],
  ["yes", "yes"],
  ["no", "no"],
  ["truth", "truth"],
  ["t", "t"],
  ["2025-07-18T20:42:34Z", "2025-07-18T20:42:34Z"],
  ["GPU-5fd4f087-86f3-7a43-b711-4771313afc50", "GPU-5fd4f087-86f3-7a43-b711-4771313afc50"],
  ["nvidia0", "nvidia0"],
  ["Größe", "Größe"],
  ["温度", "温度"],
  ['say "hi"', 'say "hi"'],
];

for (const [raw, expected] of TABLE) {
  Deno.test(`detectValue turns ${JSON.stringify(raw)} into ${JSON.stringify(expected)}`, () => {
    assert.deepStrictEqual(detectValue(raw), expected);
  });
}

Deno.test("detectValue turns every DCGM gpu_id 0..7 into that number", () => {
  for (let i = 0; i <= 7; i++) assert.strictEqual(detectValue(String(i)), i);
});

Deno.test("detectValue never returns NaN or an infinite number", () => {
  const samples = ["1e309", "-1e309", "NaN", "Infinity", "1e-400", "0.0000"];
  for (const s of samples) {
    const v = detectValue(s);
    if (typeof v === "number") assert.ok(Number.isFinite(v), `${s} gave ${v}`);
  }
  assert.strictEqual(detectValue("1e-400"), 0);
});

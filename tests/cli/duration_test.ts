import assert from "node:assert/strict";
import { formatDuration, MAX_DURATION_MS, parseDuration } from "../../src/cli/duration.ts";

Deno.test("parseDuration reads each unit and compound durations as milliseconds", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["0s", 0],
    ["500ms", 500],
    ["10s", 10_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["1m30s250ms", 90_250],
    ["1.5s", 1_500],
    ["1.1s", 1_100],
    ["0.25m", 15_000],
    ["007s", 7_000],
    ["596h", 2_145_600_000],
    [`${MAX_DURATION_MS}ms`, MAX_DURATION_MS],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

Deno.test("parseDuration refuses a bare number other than 0, naming the missing unit", () => {
  assert.throws(() => parseDuration("5"), {
    name: "RangeError",
    message: `Duration "5" needs a unit: ms, s, m or h (e.g. "5s")`,
  });
  assert.throws(() => parseDuration("1.5"), { name: "RangeError" });
});

Deno.test("parseDuration refuses text that is not a duration", () => {
  for (
    const text of ["", "5x", "-5s", "s", "5 s", " 5s", "5S", "5sec", ".5s", "1d", "5s!", "+5s"]
  ) {
    assert.throws(() => parseDuration(text), {
      name: "RangeError",
      message: `Not a duration: "${text}" (expected e.g. 500ms, 10s, 5m, 1h)`,
    }, text);
  }
});

Deno.test("parseDuration refuses fractions of a millisecond and durations a timer cannot wait", () => {
  assert.throws(() => parseDuration("0.5ms"), {
    name: "RangeError",
    message: `Duration "0.5ms" is not a whole number of milliseconds`,
  });
  assert.throws(() => parseDuration("597h"), {
    name: "RangeError",
    message: `Duration "597h" is longer than 2147483647 ms`,
  });
  assert.throws(() => parseDuration(`${MAX_DURATION_MS + 1}ms`), { name: "RangeError" });
});

Deno.test("formatDuration writes the largest whole unit, and parseDuration reads it back", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [1, "1ms"],
    [5, "5ms"],
    [1_500, "1500ms"],
    [10_000, "10s"],
    [90_000, "90s"],
    [300_000, "5m"],
    [5_400_000, "90m"],
    [3_600_000, "1h"],
    [31 * 86_400_000, "31d"],
  ];
  for (const [ms, text] of cases) {
    assert.equal(formatDuration(ms), text);
    if (!text.endsWith("d")) assert.equal(parseDuration(text), ms);
  }
  for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => formatDuration(bad), RangeError);
});

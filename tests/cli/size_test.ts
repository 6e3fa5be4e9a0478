import assert from "node:assert/strict";
import { formatSize, parseSize } from "../../src/cli/size.ts";

Deno.test("parseSize reads bare bytes, decimal units and binary units", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["1048576", 1_048_576],
    ["512B", 512],
    ["1KB", 1_000],
    ["64MB", 64_000_000],
    ["1GB", 1_000_000_000],
    ["2TB", 2_000_000_000_000],
    ["1KiB", 1_024],
    ["64MiB", 67_108_864],
    ["256MiB", 268_435_456],
    ["1GiB", 1_073_741_824],
    ["1TiB", 1_099_511_627_776],
    ["64mib", 67_108_864],
    ["64 MiB", 67_108_864],
    ["1.5KiB", 1_536],
    ["0.5GB", 500_000_000],
  ];
  for (const [text, bytes] of cases) assert.equal(parseSize(text), bytes, text);
});

Deno.test("parseSize refuses unknown units and text that is not a size", () => {
  for (
    const text of ["", "64M", "64K", "1G", "abc", "-1", "1e6", "MiB", "64MiB ", "0x10", "1,000"]
  ) {
    assert.throws(() => parseSize(text), {
      name: "RangeError",
      message: `Not a size: "${text}" (expected e.g. 1048576, 64MiB, 1GB)`,
    }, text);
  }
});

Deno.test("parseSize refuses fractions of a byte and sizes beyond safe integers", () => {
  assert.throws(() => parseSize("0.1B"), {
    name: "RangeError",
    message: `Size "0.1B" is not a whole number of bytes`,
  });
  assert.throws(() => parseSize("9999TiB"), {
    name: "RangeError",
    message: `Size "9999TiB" is larger than 9007199254740991 bytes`,
  });
});

Deno.test("formatSize writes the largest whole binary unit, else bytes, and parseSize reads it back", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [1000, "1000"],
    [1024, "1KiB"],
    [65_536, "64KiB"],
    [1_048_576, "1MiB"],
    [1_048_577, "1048577"],
    [64 * 1024 * 1024, "64MiB"],
    [3 * 2 ** 30, "3GiB"],
    [2 ** 40, "1TiB"],
  ];
  for (const [bytes, text] of cases) {
    assert.equal(formatSize(bytes), text);
    assert.equal(parseSize(text), bytes);
  }
  for (const bad of [-1, 0.5]) assert.throws(() => formatSize(bad), RangeError);
});

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join, relative, resolve, sep } from "node:path";
import { cachedGpuFileName, gpuFileName, isGpuFileName } from "../../src/datadir/file_name.ts";

const HOSTILE = [
  "",
  ".",
  "..",
  "...",
  "../../x",
  "../..",
  "/etc/passwd",
  "\\",
  "..\\..\\windows\\system32",
  "C:\\x",
  "a/b",
  "a\u0000b",
  "\u0000",
  "a\nb",
  " ",
  "~",
  "~root",
  "x~0123456789abcdef0123456789abcdef",
  ".hidden",
  "-rf",
  "CON",
  "con",
  "nul",
  "nul.txt",
  "com1",
  "lpt9",
  "x".repeat(100),
  "x".repeat(101),
  "y".repeat(10_000),
  "GPU-5fd4f087-86f3-7a43-b711-4771313afc50",
  "gpu-5fd4f087-86f3-7a43-b711-4771313afc50",
  "Gpu-5fd4f087-86f3-7a43-b711-4771313afc50",
  "AbC",
  "abc",
  "ABC",
  "aBc",
  "gpü",
  "gpu",
  "😀",
  "\ud800",
  "a b",
  "a_b",
  "a?b",
  "a*b",
  "a:b",
  'a"b',
  "a<b>",
  "a|b",
  "checkpoint.kv",
  "collector.lock",
  "x.jsonl",
  "x.jsonl.jsonl",
  "%2e%2e%2f",
  "0",
  "1",
  "7",
];

Deno.test("gpuFileName keeps short plain lower-case keys as they are", () => {
  assertEquals(gpuFileName("gpu-0"), "gpu-0.jsonl");
  assertEquals(gpuFileName("0"), "0.jsonl");
  assertEquals(
    gpuFileName("gpu-5fd4f087-86f3-7a43-b711-4771313afc50"),
    "gpu-5fd4f087-86f3-7a43-b711-4771313afc50.jsonl",
  );
  assertEquals(gpuFileName("a.b_c-d"), "a.b_c-d.jsonl");
});

Deno.test("gpuFileName hashes keys with upper case, separators, dots or odd characters", () => {
  assertEquals(
    gpuFileName("GPU-5fd4f087-86f3-7a43-b711-4771313afc50"),
    "gpu-5fd4f087-86f3-7a43-b711-4771313afc50~01cb0316a2602c1d2b98cade06ad1b52.jsonl",
  );
  // Hashes are the first 32 hex digits of `printf '%s' KEY | sha256sum`.
  assertEquals(gpuFileName("../../x"), "_._.._x~9cdf6a50100a862e14286c7a334296da.jsonl");
  assertEquals(gpuFileName(".."), "_.~5ec1f7e700f37c3d0b2981d04855fc34.jsonl");
  assertEquals(gpuFileName(""), "~e3b0c44298fc1c149afbf4c8996fb924.jsonl");
  assertEquals(gpuFileName("con"), "con~1143da2bc54c495c4be31d3868785d39.jsonl");
  assertEquals(gpuFileName("-rf"), "_rf~686c39acd6327bbd2c7c3aeea382e60f.jsonl");
});

Deno.test("gpuFileName never leaves the data dir for hostile keys", () => {
  const dir = resolve("/data/collector-1");
  for (const key of HOSTILE) {
    const name = gpuFileName(key);
    const path = resolve(join(dir, name));
    const rel = relative(dir, path);
    assertEquals(rel, name, JSON.stringify(key));
    assertEquals(rel.includes(sep) || rel.includes("/") || rel.includes("\\"), false);
    assertEquals(name.startsWith("."), false);
    assertEquals(name.endsWith(".jsonl"), true);
    assertEquals(/^[a-z0-9._~-]+$/.test(name), true, name);
    assertEquals(name.length <= 106, true, `${name.length}`);
    assertEquals(isGpuFileName(name), true, name);
  }
});

Deno.test("gpuFileName gives distinct names to distinct keys, even when they differ only by case", () => {
  const keys = [...HOSTILE];
  for (let i = 0; i < 2000; i++) keys.push(`GPU-${i}`, `gpu-${i}`, `Gpu-${i}`, `host/${i}`, `${i}`);
  const unique = [...new Set(keys)];
  const names = unique.map(gpuFileName);
  assertEquals(new Set(names).size, unique.length);
  const folded = names.map((n) => n.toLowerCase());
  assertEquals(new Set(folded).size, unique.length);
});

Deno.test("gpuFileName is stable across calls", () => {
  for (const key of HOSTILE) assertEquals(gpuFileName(key), gpuFileName(key));
});

Deno.test("isGpuFileName rejects names this module never produces", () => {
  for (
    const name of [
      "checkpoint.kv",
      "collector.lock",
      ".x.jsonl",
      "x.json",
      "A.jsonl",
      "x~12.jsonl",
      "x/y.jsonl",
    ]
  ) {
    assertEquals(isGpuFileName(name), false, name);
  }
});

Deno.test("cachedGpuFileName answers like gpuFileName, also after it starts over", () => {
  const cached = cachedGpuFileName(3);
  for (const key of HOSTILE) assertEquals(cached(key), gpuFileName(key));
  for (const key of HOSTILE) assertEquals(cached(key), gpuFileName(key));
});

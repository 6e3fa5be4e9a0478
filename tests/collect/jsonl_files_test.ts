import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { join } from "node:path";
import {
  AppendHandles,
  cutBack,
  readRange,
  SCAN_CHUNK_BYTES,
  scanLines,
  splitLines,
} from "../../src/collect/jsonl_files.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gputel_files_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("AppendHandles appends, reports creation, and keeps at most maxOpen handles after trim", () =>
  withDir(async (dir) => {
    const handles = new AppendHandles(2);
    const paths = ["a", "b", "c"].map((n) => join(dir, n));
    assertEquals(await handles.append(paths[0], encoder.encode("1\n"), true), { created: true });
    assertEquals(await handles.append(paths[0], encoder.encode("2\n"), false), { created: false });
    await handles.append(paths[1], encoder.encode("x\n"), false);
    await handles.append(paths[2], encoder.encode("y\n"), false);
    handles.trim();
    // "a" was closed by trim; appending reopens it without creating it.
    assertEquals(await handles.append(paths[0], encoder.encode("3\n"), false), { created: false });
    assertEquals(await Deno.readTextFile(paths[0]), "1\n2\n3\n");
    handles.forget(paths[0]);
    await Deno.remove(paths[0]);
    assertEquals(await handles.append(paths[0], encoder.encode("4\n"), false), { created: true });
    assertEquals(await Deno.readTextFile(paths[0]), "4\n");
    handles.closeAll();
    handles.closeAll();
    assertThrows(() => new AppendHandles(0), { name: "RangeError" });
  }));

Deno.test("cutBack truncates, removes new files, and leaves non-files and missing paths alone", () =>
  withDir(async (dir) => {
    const file = join(dir, "f");
    await Deno.writeTextFile(file, "keep\ndrop\n");
    await cutBack(file, 5, false, true);
    assertEquals(await Deno.readTextFile(file), "keep\n");
    await cutBack(file, 0, true, false);
    assertEquals(await Deno.stat(file).then(() => true, () => false), false);
    await cutBack(join(dir, "missing"), 0, true, false);
    await Deno.mkdir(join(dir, "d"));
    await cutBack(join(dir, "d"), 0, true, false);
    assertEquals((await Deno.stat(join(dir, "d"))).isDirectory, true);
  }));

Deno.test("scanLines finds every line across chunk boundaries and excludes a torn tail", () =>
  withDir(async (dir) => {
    const path = join(dir, "big");
    const line = "x".repeat(999) + "\n";
    const count = Math.ceil((SCAN_CHUNK_BYTES * 2.5) / line.length);
    await Deno.writeTextFile(path, line.repeat(count) + "torn");
    let seen = 0;
    let bad = 0;
    const size = (await Deno.stat(path)).size;
    const consumed = await scanLines(path, size, (l) => {
      seen++;
      if (l.length !== 999) bad++;
    });
    assertEquals([seen, bad, consumed], [count, 0, count * 1000]);
    assertEquals(await scanLines(path, 1500, () => {}), 1000);
    assertEquals(decoder.decode(await readRange(path, 1000, 5)), "xxxxx");
    assertEquals((await readRange(path, size - 2, 100)).length, 2);
  }));

Deno.test("splitLines returns the bytes through the last newline", () => {
  const lines: string[] = [];
  const used = splitLines(encoder.encode("a\n\nbc\nd"), (l) => lines.push(decoder.decode(l)));
  assertEquals([lines, used], [["a", "", "bc"], 6]);
});

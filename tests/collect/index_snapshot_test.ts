import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import { join } from "node:path";
import { Checkpoint, CHECKPOINT_FILE_NAME } from "../../src/datadir/checkpoint.ts";
import { gpuFileName } from "../../src/datadir/file_name.ts";
import { withDir as withTempDir } from "../_helpers.ts";
import { lines } from "./_store_helpers.ts";
import { answers, fill, GPUS, openStore, scannedAnswers, snapshotPath } from "./_index_helpers.ts";

const withDir = (fn: (dir: string) => Promise<void>) => withTempDir(fn, "c1");

const fileOf = (dir: string, gpu: number) => join(dir, gpuFileName(`gpu-${gpu}`));

// Opens the store, noting the fallback reasons; returns its answers and counters.
async function reopen(dir: string) {
  const reasons: string[] = [];
  await using store = await openStore(dir, { onIndexFallback: (reason) => reasons.push(reason) });
  const stats = store.stats();
  return { reasons, stats, answers: await answers(store) };
}

async function fileBytes(dir: string): Promise<number> {
  let total = 0;
  for (let gpu = 0; gpu < GPUS; gpu++) total += (await Deno.stat(fileOf(dir, gpu))).size;
  return total;
}

Deno.test("a store reopened from its time index snapshot scans no line and answers exactly as a full scan", () =>
  withDir(async (dir) => {
    await fill(dir, 0, 600);
    const opened = await reopen(dir);
    assertEquals(opened.reasons, []);
    assertEquals(opened.stats.recovered_scanned_bytes, 0);
    assertEquals(opened.stats.recovered_index_bytes, await fileBytes(dir));
    assertEquals(opened.stats.records_total, 600);
    assertEquals(opened.answers, await scannedAnswers(dir));
  }));

Deno.test("a snapshot older than the files (they grew behind it) is used, and only the lines past it are scanned", () =>
  withDir(async (dir) => {
    await fill(dir, 0, 300);
    const older = await Deno.readFile(snapshotPath(dir));
    const indexed = await fileBytes(dir);
    await fill(dir, 300, 600);
    await Deno.writeFile(snapshotPath(dir), older);
    const opened = await reopen(dir);
    assertEquals(opened.reasons, []);
    assertEquals(opened.stats.recovered_index_bytes, indexed);
    assertEquals(opened.stats.recovered_scanned_bytes, (await fileBytes(dir)) - indexed);
    assertEquals(opened.stats.records_total, 600);
    assertEquals(opened.answers, await scannedAnswers(dir));
  }));

Deno.test("a snapshot of files since cut shorter (checkpoint agreeing) is not used: every line is scanned", () =>
  withDir(async (dir) => {
    await fill(dir, 0, 600);
    const path = fileOf(dir, 3);
    const kept = (await lines(path)).slice(0, 20);
    await Deno.writeTextFile(path, kept.map((l) => l + "\n").join(""));
    const checkpoint = await Checkpoint.open(join(dir, CHECKPOINT_FILE_NAME));
    await checkpoint.correct(new Map([[gpuFileName("gpu-3"), (await Deno.stat(path)).size]]));
    checkpoint.close();
    const opened = await reopen(dir);
    assertEquals(opened.reasons.length, 1);
    match(opened.reasons[0], /gpu-3\S*\.jsonl has \d+ bytes, \d+ were indexed/);
    assertEquals(opened.stats.records_total, 600 - 50 + 20);
    assertEquals(opened.stats.recovered_index_bytes, 0);
    assertEquals(opened.answers, await scannedAnswers(dir));
  }));

Deno.test("a snapshot of a file found shorter than its checkpoint is not used", () =>
  withDir(async (dir) => {
    await fill(dir, 0, 600);
    const path = fileOf(dir, 5);
    await Deno.truncate(path, (await Deno.stat(path)).size - 10);
    const opened = await reopen(dir);
    assertEquals(opened.reasons, ["files were found shorter than their checkpoint"]);
    assertEquals(opened.stats.records_total, 599);
    assertEquals(opened.answers, await scannedAnswers(dir));
  }));

Deno.test("a snapshot of a file rewritten in place with as many bytes is not used", () =>
  withDir(async (dir) => {
    await fill(dir, 0, 600);
    const path = fileOf(dir, 7);
    const reversed = (await lines(path)).reverse().map((l) => l + "\n").join("");
    const { ino } = await Deno.stat(path);
    await Deno.writeTextFile(path, reversed);
    assertEquals((await Deno.stat(path)).ino, ino);
    const opened = await reopen(dir);
    assertEquals(opened.reasons.length, 1);
    match(opened.reasons[0], /gpu-7\S*\.jsonl was rewritten/);
    assertEquals(opened.answers, await scannedAnswers(dir));
  }));

Deno.test("a snapshot of a file replaced by another one (new inode, same bytes) is not used", () =>
  withDir(async (dir) => {
    await fill(dir, 0, 600);
    const path = fileOf(dir, 2);
    await Deno.writeFile(path + ".copy", await Deno.readFile(path));
    await Deno.rename(path + ".copy", path);
    const opened = await reopen(dir);
    assertEquals(opened.reasons.length, 1);
    match(opened.reasons[0], /gpu-2\S*\.jsonl is another file than the one indexed/);
    assertEquals(opened.answers, await scannedAnswers(dir));
  }));

Deno.test("a damaged, foreign or missing snapshot makes open scan every file, saying why once", () =>
  withDir(async (dir) => {
    await fill(dir, 0, 600);
    const bytes = await Deno.readFile(snapshotPath(dir));
    const expected = await scannedAnswers(dir); // removes it
    const flipped = bytes.slice();
    flipped[flipped.length >> 1] ^= 1;
    const cases: [Uint8Array | undefined, RegExp][] = [
      [flipped, /time_index\.snap is damaged: bad CRC/],
      [bytes.subarray(0, bytes.length - 1), /is damaged: \d+ body bytes, the header says \d+/],
      [new TextEncoder().encode("garbage"), /is damaged: not a time index snapshot/],
      [undefined, /there is none/],
    ];
    for (const [planted, reason] of cases) {
      await Deno.remove(snapshotPath(dir)).catch(() => {});
      if (planted !== undefined) await Deno.writeFile(snapshotPath(dir), planted);
      const opened = await reopen(dir); // writes a good one at close: it scanned
      assertEquals(opened.reasons.length, 1);
      match(opened.reasons[0], reason);
      assertEquals(opened.stats.recovered_index_bytes, 0);
      assertEquals(opened.answers, expected);
    }
    assertEquals((await reopen(dir)).reasons, []); // the one written after the last scan
  }));

Deno.test("a store on a fresh dir reports no fallback and writes its snapshot at close", () =>
  withDir(async (dir) => {
    const opened = await reopen(dir);
    assertEquals(opened.reasons, []);
    await fill(dir, 0, 60);
    const stat = await Deno.stat(snapshotPath(dir));
    assertEquals(stat.isFile, true);
    const reopened = await reopen(dir);
    assertEquals([reopened.reasons, reopened.stats.recovered_scanned_bytes], [[], 0]);
  }));

import assert from "node:assert/strict";
import { join } from "node:path";
import { PartitionFiles } from "../../../src/broker/store/partition_files.ts";
import { RECORD_HEADER_BYTES } from "../../../src/broker/store/record.ts";
import {
  INDEX_ENTRY_BYTES,
  segmentName,
  type SegmentRepair,
} from "../../../src/broker/store/segment.ts";
import { BatchBuilder } from "../../../src/protocol/mod.ts";
import { FdPool } from "../../../src/fs/fd_pool.ts";
import { realFiles } from "../../../src/fs/file_layer.ts";

const pool = new FdPool(realFiles, 8);

function blob(n: number, tag: string): Uint8Array {
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) b.add(`GPU-${i}`, new TextEncoder().encode(`${tag}-${i}`.repeat(5)));
  return b.take();
}

const fresh = (): SegmentRepair => ({ truncatedBytes: 0, corruptRanges: 0, indexFixes: 0 });

async function filled(dir: string, segmentBytes: number, batches: number) {
  const pf = await PartitionFiles.open(pool, dir, segmentBytes, fresh());
  let offset = 0;
  for (let i = 0; i < batches; i++) {
    await pf.append({
      baseOffset: offset,
      count: 10,
      appendedAt: 1000 + i,
      producerId: 5,
      sequence: i + 1,
    }, blob(10, `b${i}`));
    offset += 10;
  }
  await pf.sync();
  pf.close();
}

Deno.test("a partition reopens with every batch, across rolled segments", async () => {
  const dir = await Deno.makeTempDir();
  await filled(dir, 2048, 12);
  const repair = fresh();
  const pf = await PartitionFiles.open(pool, dir, 2048, repair);
  assert.ok(pf.segments.length > 2, `${pf.segments.length} segments`);
  assert.deepEqual(
    pf.locations().map((l) => l.entry.baseOffset),
    Array.from({ length: 12 }, (_, i) => i * 10),
  );
  assert.deepEqual(repair, fresh());
  const blob5 = await pf.read(pf.locations()[5]);
  assert.deepEqual(blob5, blob(10, "b5"));
  pf.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("recovery cuts a segment torn mid-batch back to its last whole batch", async () => {
  const dir = await Deno.makeTempDir();
  await filled(dir, 1 << 20, 5);
  const log = join(dir, `${segmentName(0)}.log`);
  const size = (await Deno.stat(log)).size;
  await Deno.truncate(log, size - 50);
  const repair = fresh();
  const pf = await PartitionFiles.open(pool, dir, 1 << 20, repair);
  assert.deepEqual(pf.locations().map((l) => l.entry.baseOffset), [0, 10, 20, 30]);
  const last = pf.locations().at(-1)!.entry;
  assert.equal((await Deno.stat(log)).size, last.position + RECORD_HEADER_BYTES + last.blobLength);
  assert.equal(repair.truncatedBytes, size - 50 - (await Deno.stat(log)).size);
  assert.equal(pf.endOffset, 40);
  // appending continues at the cut
  await pf.append(
    { baseOffset: 40, count: 10, appendedAt: 9, producerId: 0, sequence: 0 },
    blob(10, "again"),
  );
  assert.equal(pf.endOffset, 50);
  pf.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("recovery drops garbage appended after the last batch", async () => {
  const dir = await Deno.makeTempDir();
  await filled(dir, 1 << 20, 3);
  const log = join(dir, `${segmentName(0)}.log`);
  const size = (await Deno.stat(log)).size;
  const f = await Deno.open(log, { append: true });
  await f.write(crypto.getRandomValues(new Uint8Array(777)));
  f.close();
  const repair = fresh();
  const pf = await PartitionFiles.open(pool, dir, 1 << 20, repair);
  assert.equal(pf.locations().length, 3);
  assert.equal((await Deno.stat(log)).size, size);
  assert.equal(repair.truncatedBytes, 777);
  pf.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a lost index is rebuilt from the log", async () => {
  const dir = await Deno.makeTempDir();
  await filled(dir, 1 << 20, 4);
  await Deno.remove(join(dir, `${segmentName(0)}.idx`));
  const repair = fresh();
  const pf = await PartitionFiles.open(pool, dir, 1 << 20, repair);
  assert.deepEqual(pf.locations().map((l) => l.entry.baseOffset), [0, 10, 20, 30]);
  assert.equal(repair.indexFixes, 4);
  assert.equal((await Deno.stat(join(dir, `${segmentName(0)}.idx`))).size, 4 * INDEX_ENTRY_BYTES);
  pf.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a byte flipped inside an older batch fails only that batch's read", async () => {
  const dir = await Deno.makeTempDir();
  await filled(dir, 1 << 20, 4);
  const pf0 = await PartitionFiles.open(pool, dir, 1 << 20, fresh());
  const victim = pf0.locations()[1].entry;
  pf0.close();
  const log = join(dir, `${segmentName(0)}.log`);
  const bytes = await Deno.readFile(log);
  bytes[victim.position + RECORD_HEADER_BYTES + 10] ^= 0xff;
  await Deno.writeFile(log, bytes);
  const repair = fresh();
  const pf = await PartitionFiles.open(pool, dir, 1 << 20, repair);
  assert.deepEqual(repair, fresh(), "startup checks tails only");
  const reads = await Promise.all(pf.locations().map((l) => pf.read(l)));
  assert.deepEqual(reads.map((r) => r !== undefined), [true, false, true, true]);
  pf.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("removeOldest deletes whole closed segments and never the active one", async () => {
  const dir = await Deno.makeTempDir();
  await filled(dir, 2048, 12);
  const pf = await PartitionFiles.open(pool, dir, 2048, fresh());
  const n = pf.segments.length;
  const removed = await pf.removeOldest(() => true);
  assert.equal(removed.segments, n - 1);
  assert.equal(pf.segments.length, 1);
  assert.equal(removed.start, pf.segments[0].base);
  pf.close();
  await Deno.remove(dir, { recursive: true });
});

/**
 * Power cuts under the collector's write-ahead journal, on a simulated disk
 * that loses unsynced writes: a store round is acked once its journal entry's
 * append resolved, so after a cut at any sync point (and after a cut right
 * after the last ack) every acked entry must decode, intact, in order.
 */
import assert from "node:assert/strict";
import { JournalFile, journalFileName } from "../../src/datadir/journal.ts";
import { decodeJournal, encodeJournalEntry } from "../../src/datadir/journal_codec.ts";
import { SimDisk } from "../../src/fs/sim_disk.ts";
import { PowerCut } from "../../src/fs/sim_power.ts";

const ROUNDS = 16;
const DIR = "/data/c1";
const encoder = new TextEncoder();

function round(i: number) {
  const line = encoder.encode(`{"gpu_id":"GPU-${i % 3}","round":${i}}\n`.repeat(1 + (i % 4)));
  return encodeJournalEntry(
    [{ topic: "telemetry", group: "collectors", partition: i % 2, next: i + 1 }],
    [{ name: `gpu-${i % 3}.jsonl`, offset: i * 1000, parts: [line], size: line.length }],
  );
}

/** Appends ROUNDS entries until the power goes; returns how many were acked. */
async function appendUntilCut(disk: SimDisk): Promise<number> {
  let acked = 0;
  try {
    await disk.mkdir(DIR);
    const journal = await JournalFile.create(DIR, 1, true, disk);
    for (let i = 0; i < ROUNDS; i++) {
      await journal.append(round(i).bytes);
      acked++;
    }
    journal.close();
  } catch (e) {
    if (!(e instanceof PowerCut)) throw e;
  }
  return acked;
}

async function checkAfterReboot(disk: SimDisk, acked: number, label: string) {
  const after = disk.reboot();
  let bytes: Uint8Array = new Uint8Array(0);
  try {
    bytes = await after.readFile(`${DIR}/${journalFileName(1)}`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    assert.equal(acked, 0, `${label}: the journal of ${acked} acked rounds is gone`);
  }
  const { entries } = decodeJournal(bytes);
  assert.ok(entries.length >= acked, `${label}: ${entries.length} of ${acked} acked rounds back`);
  for (let i = 0; i < entries.length; i++) {
    assert.deepEqual(entries[i], decodeJournal(round(i).bytes).entries[0], `${label}: round ${i}`);
  }
}

Deno.test("a power cut at any sync point of the collector's journal, or after its last ack, loses no acked round", async () => {
  const whole = new SimDisk();
  assert.equal(await appendUntilCut(whole), ROUNDS);
  for (const seed of [1, 2, 3]) {
    const disk = new SimDisk({ seed });
    await appendUntilCut(disk);
    await checkAfterReboot(disk, ROUNDS, `cut after the last ack, seed ${seed}`);
  }
  const points = whole.syncPoints;
  assert.ok(points > ROUNDS, `${points} sync points`);
  for (let cutAt = 1; cutAt <= points; cutAt++) {
    for (const seed of [1, 2, 3]) {
      const disk = new SimDisk({ cutAt, seed: seed * 104729 + cutAt });
      const acked = await appendUntilCut(disk);
      assert.ok(disk.dead, `cut at ${cutAt} happened`);
      await checkAfterReboot(disk, acked, `cut at sync point ${cutAt}, seed ${seed}`);
    }
  }
});

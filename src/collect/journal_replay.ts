/**
 * Replay of the collector's journal at open, after every GPU file was cut
 * back to its checkpointed size: each entry's blocks are appended where the
 * file does not hold them yet (a block's file offset says where it belongs),
 * partitions advance to the entries' positions, and a torn last entry (a
 * round that was never acknowledged) is dropped. The result is recorded as a
 * checkpoint, so the journal replayed can go.
 *
 * @module
 */

import { join } from "node:path";
import type { Checkpoint, PartitionPosition } from "../datadir/checkpoint.ts";
import { decodeJournal } from "../datadir/journal_codec.ts";
import { deleteJournalsBefore, listJournals } from "../datadir/journal.ts";
import { syncDir } from "../datadir/jsonl_files.ts";

/** What {@linkcode replayJournals} found and did. */
export interface ReplayReport {
  /** Entries read back (rounds that reached the journal). */
  entries: number;
  /** Bytes appended to GPU files. */
  bytes: number;
  /** Bytes of torn or corrupt journal tails dropped. */
  tornBytes: number;
  /** Blocks that could not be placed: their file was shorter than the block's offset. */
  gaps: number;
  /** Files appended to (created when missing). */
  files: Set<string>;
  /** The generation new rounds go to; the checkpoint now starts replay there. */
  nextGen: number;
}

const positionId = (p: PartitionPosition) => JSON.stringify([p.topic, p.group, p.partition]);

/**
 * Replays every journal generation from the checkpoint's on, then records a
 * checkpoint covering them and deletes them.
 *
 * @param dir the locked data dir
 * @param checkpoint its checkpoint
 * @param sizes each GPU file's size now (after the cut); updated with the appends
 * @param fsync fdatasync the files appended to before the checkpoint
 */
export async function replayJournals(
  dir: string,
  checkpoint: Checkpoint,
  sizes: Map<string, number>,
  fsync: boolean,
): Promise<ReplayReport> {
  const from = checkpoint.journalGen;
  const report: ReplayReport = {
    entries: 0,
    bytes: 0,
    tornBytes: 0,
    gaps: 0,
    files: new Set(),
    nextGen: from,
  };
  const journals = await listJournals(dir);
  const positions = new Map<string, PartitionPosition>();
  const open = new Map<string, Deno.FsFile>();
  try {
    for (const journal of journals) {
      report.nextGen = Math.max(report.nextGen, journal.gen + 1);
      if (journal.gen < from) continue;
      const bytes = await Deno.readFile(journal.path);
      const decoded = decodeJournal(bytes);
      report.tornBytes += bytes.length - decoded.validBytes;
      for (const entry of decoded.entries) {
        report.entries++;
        for (const p of entry.positions) {
          const known = positions.get(positionId(p))?.next ??
            checkpoint.nextOffset(p.topic, p.group, p.partition);
          if (p.next > known) positions.set(positionId(p), p);
        }
        for (const { name, offset, bytes: block } of entry.blocks) {
          const size = sizes.get(name) ?? 0;
          if (offset + block.length <= size) continue; // the file holds it
          if (offset !== size) {
            report.gaps++;
            continue;
          }
          let file = open.get(name);
          if (file === undefined) {
            file = await Deno.open(join(dir, name), { append: true, create: true });
            open.set(name, file);
          }
          let done = 0;
          while (done < block.length) done += await file.write(block.subarray(done));
          sizes.set(name, size + block.length);
          report.bytes += block.length;
          report.files.add(name);
        }
      }
    }
    if (fsync) {
      await Promise.all([...open.values()].map((file) => file.syncData()));
      if (open.size > 0) await syncDir(dir);
    }
  } finally {
    for (const file of open.values()) file.close();
  }
  if (journals.length > 0) {
    const touched = new Map([...report.files].map((name) => [name, sizes.get(name)!]));
    await checkpoint.commitSnapshot([...positions.values()], touched, report.nextGen);
    await deleteJournalsBefore(dir, report.nextGen);
  }
  return report;
}

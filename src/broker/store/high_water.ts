/**
 * Log epochs: a partition never hands out an offset twice. Each partition
 * keeps a small fsynced high-water file, `<p>/hw`, holding the log identity,
 * the fsync policy it ran under, the start offset of each epoch, and a
 * reservation: an offset no batch has reached. It is rewritten only when the
 * log end passes the reservation (then reserving {@linkcode OFFSET_RESERVE}
 * more), so it costs nothing per publish.
 *
 * At start, {@linkcode planRecovery} compares the recovered log with every
 * trace of what was handed out (the index, the groups' committed offsets,
 * the reservation). When the log is shorter than that, or the last run
 * stopped uncleanly without fsync on every confirm, the partition starts a
 * new epoch past every offset that may have been handed out; the offsets
 * between stay empty, and what was lost is counted by range. Pure but for
 * the file I/O of {@linkcode readHighWater} and {@linkcode writeHighWater}.
 *
 * @module
 */
import { join } from "node:path";
import { type FileLayer, writeFileDurably } from "../../fs/file_layer.ts";
import type { FsyncPolicy } from "./storage_options.ts";

/** Offsets reserved ahead of the log end per high-water write. */
export const OFFSET_RESERVE = 1 << 20;

/** What a partition's `hw` file holds. */
export interface HighWater {
  /** The log identity. */
  id: string;
  /** The fsync policy of the run that wrote it. */
  fsync: FsyncPolicy;
  /** No offset at or past this was handed out. */
  reserved: number;
  /** Start offsets of epochs after the first (which starts at 0), ascending. */
  epochs: number[];
}

/** A range of offsets `[from, to)`. */
export interface OffsetRange {
  /** First offset of the range. */
  from: number;
  /** Offset after the range. */
  to: number;
}

const FILE = "hw";

/** Reads a partition's high-water file; undefined when missing or unreadable. */
export async function readHighWater(
  files: FileLayer,
  pdir: string,
): Promise<HighWater | undefined> {
  try {
    const v = JSON.parse(new TextDecoder().decode(await files.readFile(join(pdir, FILE))));
    if (
      typeof v?.id !== "string" || !Number.isSafeInteger(v.reserved) || !Array.isArray(v.epochs) ||
      !v.epochs.every(Number.isSafeInteger)
    ) return undefined;
    return { id: v.id, fsync: v.fsync, reserved: v.reserved, epochs: v.epochs };
  } catch {
    return undefined;
  }
}

/** Writes a partition's high-water file durably (temp file, fdatasync, rename, dir fsync). */
export async function writeHighWater(files: FileLayer, pdir: string, hw: HighWater): Promise<void> {
  await writeFileDurably(files, join(pdir, FILE), new TextEncoder().encode(JSON.stringify(hw)));
}

/** The recovered log of one partition, as {@linkcode planRecovery} sees it. */
export interface RecoveredLog {
  /** Base offset of each segment, ascending. */
  segmentBases: number[];
  /** `[baseOffset, end)` of every valid batch, in order. */
  batches: OffsetRange[];
  /** Offset after the last batch any index named (valid or not); 0 when none. */
  indexedEnd: number;
}

/** What happened to a partition at start. */
export interface RecoveryPlan {
  /** Offset the next batch gets. */
  start: number;
  /** Whether a new epoch starts at `start`. */
  newEpoch: boolean;
  /** Ranges of offsets that were handed out and are gone. */
  lost: OffsetRange[];
  /** Offsets skipped by the new epoch that, as far as the files tell, were never handed out. */
  unused?: OffsetRange;
  /** Epoch starts, the new one included. */
  epochs: number[];
}

/**
 * Decides where a partition continues after a restart and what it lost.
 *
 * @param log what recovery found
 * @param hw the high-water file, if readable
 * @param committed the highest offset any group committed in this partition (0: none)
 * @param clean the previous run closed the log cleanly
 */
export function planRecovery(
  log: RecoveredLog,
  hw: HighWater | undefined,
  committed: number,
  clean: boolean,
): RecoveryPlan {
  const epochs = hw?.epochs ?? [];
  const isEpoch = (o: number) => epochs.includes(o);
  const lost: OffsetRange[] = [];
  let expected = log.segmentBases[0] ?? 0;
  let b = 0;
  for (let s = 0; s < log.segmentBases.length; s++) {
    const base = log.segmentBases[s];
    if (base > expected) {
      if (!isEpoch(base)) lost.push({ from: expected, to: base });
      expected = base;
    }
    const next = log.segmentBases[s + 1] ?? Infinity;
    for (; b < log.batches.length && log.batches[b].from < next; b++) {
      const batch = log.batches[b];
      if (batch.from > expected && !isEpoch(batch.from)) {
        lost.push({ from: expected, to: batch.from });
      }
      expected = batch.to;
    }
  }
  const end = expected;
  const evidence = Math.max(log.indexedEnd, committed);
  if (evidence > end) lost.push({ from: end, to: evidence });
  const reserved = hw?.reserved ?? 0;
  const mayHaveLost = !clean && hw !== undefined && hw.fsync !== "always";
  let start = Math.max(end, evidence);
  // A lost tail, or a crash that may have lost one unseen: past every offset reserved.
  if (evidence > end || mayHaveLost) start = Math.max(start, reserved);
  if (start === end) return { start, newEpoch: false, lost, epochs };
  const from = Math.max(end, evidence);
  return {
    start,
    newEpoch: true,
    lost,
    unused: start > from ? { from, to: start } : undefined,
    epochs: [...epochs, start],
  };
}

/** Messages in `ranges` at or past `from`. */
export function countFrom(ranges: readonly OffsetRange[], from: number): number {
  let n = 0;
  for (const r of ranges) n += Math.max(0, r.to - Math.max(r.from, from));
  return n;
}

/**
 * Plans one store round (group commit): several batches, of any partitions,
 * prepared in order into one set of appends per file and one position per
 * partition, which one journal entry commits. Pure: no I/O.
 *
 * @module
 */

import type { PartitionPosition } from "../datadir/checkpoint.ts";
import {
  prepareBatch,
  type PreparedLine,
  type StoreBatch,
  type WriteResult,
} from "./round_batch.ts";

/** The lines a round appends to one file, in order. */
export interface GroupFile {
  /** The encoded lines, in chunks to append one after another. */
  parts: Uint8Array[];
  /** Total bytes of `parts`. */
  size: number;
  /** The lines in them, in order. */
  entries: PreparedLine[];
}

/** Lines and positions committed together by one journal entry. */
export interface CommitGroup {
  /** Each partition's next offset once the round is committed (one per partition). */
  positions: PartitionPosition[];
  /** File name → the lines the round appends to it. */
  files: Map<string, GroupFile>;
}

/** What {@linkcode planRound} returns. */
export interface RoundPlan {
  /** One result per batch, in the order given. */
  results: WriteResult[];
  /** What to commit; none when nothing advances. */
  group?: CommitGroup;
}

/** Lookups of {@linkcode planRound}. */
export interface RoundOptions {
  /** The stored next offset of a partition. */
  nextOffset: (topic: string, group: string, partition: number) => number;
  /** GPU key → file name. */
  fileNameOf: (key: string) => string;
  /** Longest topic and group, in UTF-8 bytes. */
  maxNameBytes: number;
}

/**
 * Prepares batches for one round. Batches of the same partition are taken
 * in order: each starts where the one before left off, so a redelivered
 * range inside the round is skipped like one below the stored offset.
 *
 * @param batches the batches, in the order their results are wanted
 * @param options offset lookups and limits
 * @returns a result per batch and the commit group to write
 * @throws {TypeError} when a batch is malformed (nothing is planned then)
 */
export function planRound(batches: readonly StoreBatch[], options: RoundOptions): RoundPlan {
  const results: WriteResult[] = [];
  const positions = new Map<string, PartitionPosition>();
  const files = new Map<string, GroupFile>();
  for (const batch of batches) {
    const { topic, group, partition } = batch;
    const id = JSON.stringify([topic, group, partition]);
    const from = positions.get(id)?.next ?? options.nextOffset(topic, group, partition);
    const { result, chunk } = prepareBatch(batch, {
      from,
      maxNameBytes: options.maxNameBytes,
      fileNameOf: options.fileNameOf,
    });
    results.push(result);
    if (chunk === undefined) continue;
    positions.set(id, { topic, group, partition, next: chunk.next });
    for (const [name, lines] of chunk.files) {
      let file = files.get(name);
      if (file === undefined) files.set(name, file = { parts: [], size: 0, entries: [] });
      for (const part of lines.parts) file.parts.push(part);
      file.size += lines.size;
      for (const entry of lines.entries) file.entries.push(entry);
    }
  }
  if (positions.size === 0) return { results };
  return { results, group: { positions: [...positions.values()], files } };
}

/**
 * Plans one store round (group commit): several batches, of any partitions,
 * prepared in order and packed into as few checkpoint commits as Deno KV's
 * limits allow. Normally a round is one commit; when it needs several, each
 * is a consistent prefix: a file's lines are ordered by commit, so the sizes
 * a commit records cover exactly the lines of the offsets it records.
 * Pure: no I/O.
 *
 * @module
 */

import type { PartitionPosition } from "./checkpoint.ts";
import {
  type BatchChunk,
  prepareBatch,
  type PreparedLine,
  type StoreBatch,
  type WriteResult,
} from "./store_batch.ts";

/** The lines one commit group appends to one file, in order. */
export interface GroupFile {
  /** The encoded lines, in chunks to append one after another. */
  parts: Uint8Array[];
  /** Total bytes of `parts`. */
  size: number;
  /** The lines in them, in order. */
  entries: PreparedLine[];
}

/** Lines and positions committed together in one atomic checkpoint commit. */
export interface CommitGroup {
  /** Each partition's next offset once the group is committed (one per partition). */
  positions: PartitionPosition[];
  /** File name → the lines the group appends to it. */
  files: Map<string, GroupFile>;
}

/** What {@linkcode planRound} returns. */
export interface RoundPlan {
  /** One result per batch, in the order given. */
  results: WriteResult[];
  /** The commits to make, in order; none when nothing advances. */
  groups: CommitGroup[];
}

/** Limits and lookups of {@linkcode planRound}. */
export interface RoundOptions {
  /** The checkpointed next offset of a partition. */
  nextOffset: (topic: string, group: string, partition: number) => number;
  /** GPU key → file name. */
  fileNameOf: (key: string) => string;
  /** Longest topic and group, in UTF-8 bytes. */
  maxNameBytes: number;
  /** Most files one commit may touch. */
  maxFiles: number;
  /** Most positions plus files in one commit. */
  maxMutations: number;
  /** Most key bytes in one commit. */
  maxKeyBytes: number;
  /** Key bytes of a position's key. */
  positionKeyBytes: (topic: string, group: string, partition: number) => number;
  /** Key bytes of a file size's key. */
  fileKeyBytes: (name: string) => number;
}

interface OpenGroup {
  positions: Map<string, PartitionPosition>;
  files: Map<string, GroupFile>;
  keyBytes: number;
}

const openGroup = (): OpenGroup => ({ positions: new Map(), files: new Map(), keyBytes: 0 });

/**
 * Prepares batches for one round. Batches of the same partition are taken
 * in order: each starts where the one before left off, so a redelivered
 * range inside the round is skipped like one below the checkpoint.
 *
 * @param batches the batches, in the order their results are wanted
 * @param options checkpoint lookups and commit limits
 * @returns a result per batch and the commit groups to write
 * @throws {TypeError} when a batch is malformed (nothing is planned then)
 */
export function planRound(batches: readonly StoreBatch[], options: RoundOptions): RoundPlan {
  const results: WriteResult[] = [];
  const groups: CommitGroup[] = [];
  const running = new Map<string, number>();
  let group = openGroup();
  const close = () => {
    if (group.positions.size === 0) return;
    groups.push({ positions: [...group.positions.values()], files: group.files });
    group = openGroup();
  };
  for (const batch of batches) {
    const { topic, group: consumer, partition } = batch;
    const id = JSON.stringify([topic, consumer, partition]);
    const from = running.get(id) ?? options.nextOffset(topic, consumer, partition);
    const prepared = prepareBatch(batch, {
      from,
      maxNameBytes: options.maxNameBytes,
      maxFilesPerChunk: options.maxFiles,
      fileNameOf: options.fileNameOf,
    });
    results.push(prepared.result);
    for (const chunk of prepared.chunks) {
      if (!fits(group, id, batch, chunk, options)) close();
      add(group, id, { topic, group: consumer, partition, next: chunk.next }, chunk, options);
    }
    running.set(id, prepared.chunks.at(-1)?.next ?? from);
  }
  close();
  return { results, groups };
}

// Whether a chunk may join the group; an empty group takes any chunk.
function fits(
  group: OpenGroup,
  id: string,
  batch: StoreBatch,
  chunk: BatchChunk,
  options: RoundOptions,
): boolean {
  if (group.positions.size === 0) return true;
  const isNew = !group.positions.has(id);
  let files = group.files.size;
  let bytes = group.keyBytes +
    (isNew ? options.positionKeyBytes(batch.topic, batch.group, batch.partition) : 0);
  for (const name of chunk.files.keys()) {
    if (group.files.has(name)) continue;
    files++;
    bytes += options.fileKeyBytes(name);
  }
  const mutations = group.positions.size + (isNew ? 1 : 0) + files;
  return files <= options.maxFiles && mutations <= options.maxMutations &&
    bytes <= options.maxKeyBytes;
}

function add(
  group: OpenGroup,
  id: string,
  position: PartitionPosition,
  chunk: BatchChunk,
  options: RoundOptions,
): void {
  if (!group.positions.has(id)) {
    group.keyBytes += options.positionKeyBytes(position.topic, position.group, position.partition);
  }
  group.positions.set(id, position);
  for (const [name, lines] of chunk.files) {
    let file = group.files.get(name);
    if (file === undefined) {
      group.files.set(name, file = { parts: [], size: 0, entries: [] });
      group.keyBytes += options.fileKeyBytes(name);
    }
    file.parts.push(lines.bytes);
    file.size += lines.bytes.length;
    for (const entry of lines.entries) file.entries.push(entry);
  }
}

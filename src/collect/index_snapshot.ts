/**
 * The collector's time index snapshot on disk (`<dir>/time_index.snap`, see
 * `index_snapshot_codec.ts`): taken from the live store's indexes and memory
 * window, written whole to a temporary file, fdatasynced and renamed over
 * the last one (a crash leaves the old snapshot or the new one, never a
 * mix); and read back at open, where it is used only if every file it names
 * still holds the prefix it indexed (see {@linkcode checkIndexSnapshot}).
 *
 * @module
 */

import { join } from "node:path";
import { crc32 } from "node:zlib";
import { readRange, readRangeSync, syncDir } from "../datadir/jsonl_files.ts";
import type { StoredReads } from "../query/stored_reads.ts";
import {
  assembleIndexSnapshot,
  decodeIndexSnapshot,
  encodeSnapshotBlocks,
  type IndexSnapshot,
  type SnapshotFile,
  TAIL_CHECK_BYTES,
} from "./index_snapshot_codec.ts";
import type { StoreFile } from "./store_file.ts";

/** The snapshot's file name inside a collector dir. */
export const INDEX_SNAPSHOT_FILE_NAME = "time_index.snap";

const TEMP_SUFFIX = ".tmp";

/**
 * Takes a snapshot of a store's indexes and GPU metadata, encoded. What it
 * records is taken (the blocks encoded) before the first await, so rounds
 * may go on meanwhile; the rest (each file's identity and the CRC of the
 * bytes before its indexed size) is read afterwards: committed bytes never
 * change.
 *
 * @param files the store's files
 * @param reads the store's read side
 * @param every lines per index block
 * @param known CRCs and identities from the last snapshot, reused for files that did not grow; updated
 */
export async function takeIndexSnapshot(
  files: ReadonlyMap<string, StoreFile>,
  reads: StoredReads<StoreFile>,
  every: number,
  known: Map<string, TakenFile>,
): Promise<Uint8Array> {
  const sorted = [...files.values()].sort((a, b) => a.name < b.name ? -1 : 1);
  const blocks = encodeSnapshotBlocks(sorted.map((file) => ({ blocks: file.index.liveBlocks })));
  const taken = sorted.map((file) => ({
    file,
    entry: {
      name: file.name,
      dev: 0,
      ino: 0,
      size: file.index.size,
      lines: file.index.lines,
      corrupt: file.corrupt ?? 0,
      tailCrc: 0,
      blocks: { length: file.index.blockCount },
    } satisfies TakenFile,
  }));
  const gpus = reads.window.gpuSnapshots().map((gpu) => ({
    file: reads.fileOf(gpu.info.id)!.name,
    gpu,
  }));
  for (const { file, entry } of taken) {
    const last = known.get(entry.name);
    if (last !== undefined && last.size === entry.size && last.ino !== 0) {
      Object.assign(entry, { dev: last.dev, ino: last.ino, tailCrc: last.tailCrc });
      continue;
    }
    const from = Math.max(0, entry.size - TAIL_CHECK_BYTES);
    const bytes = file.tail === undefined
      ? await readRange(file.path, from, entry.size - from)
      : await file.tail.read(file.path, from, entry.size - from);
    entry.tailCrc = crc32(bytes);
    const id = fileIdentity(file.path);
    entry.dev = id.dev;
    entry.ino = id.ino;
    known.set(entry.name, { ...entry });
  }
  return assembleIndexSnapshot({ every, files: taken.map(({ entry }) => entry), gpus }, blocks);
}

/** A file's part of a snapshot being taken: its blocks are encoded apart. */
export type TakenFile = Omit<SnapshotFile, "blocks"> & { blocks: { length: number } };

/**
 * Writes an encoded snapshot over the dir's last one: to a temporary file,
 * fdatasynced (with `fsync`), renamed, and the dir synced.
 */
export async function writeIndexSnapshot(
  dir: string,
  bytes: Uint8Array,
  fsync: boolean,
): Promise<void> {
  const path = join(dir, INDEX_SNAPSHOT_FILE_NAME);
  const temp = path + TEMP_SUFFIX;
  const file = await Deno.open(temp, { write: true, create: true, truncate: true });
  try {
    let done = 0;
    while (done < bytes.length) done += await file.write(bytes.subarray(done));
    if (fsync) await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(temp, path);
  if (fsync) await syncDir(dir);
}

/**
 * Reads the dir's snapshot and removes a temporary one a crash left.
 *
 * @returns the snapshot, `undefined` when there is none, or why it cannot be read
 */
export async function readIndexSnapshot(
  dir: string,
): Promise<IndexSnapshot | undefined | { unreadable: string }> {
  const path = join(dir, INDEX_SNAPSHOT_FILE_NAME);
  await Deno.remove(path + TEMP_SUFFIX).catch(() => {});
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    return { unreadable: String(error) };
  }
  try {
    return decodeIndexSnapshot(bytes);
  } catch (error) {
    return { unreadable: `${INDEX_SNAPSHOT_FILE_NAME} is damaged: ${(error as Error).message}` };
  }
}

/** Removes a dir's snapshot (after its files were rewritten). */
export async function removeIndexSnapshot(dir: string): Promise<void> {
  await Deno.remove(join(dir, INDEX_SNAPSHOT_FILE_NAME)).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/**
 * Checks that a snapshot still describes the dir's files: the same lines
 * per block, and every file it names present, the same file (device and
 * inode, when it was on disk then), at least as long as what it indexed,
 * and with the same bytes before that size (CRC32).
 *
 * @param dir the collector dir
 * @param snapshot the snapshot read
 * @param sizes each GPU file's size now, after recovery's cut and journal replay
 * @param every the store's lines per block
 * @returns `undefined` when it may be used, else why not (one sentence)
 */
export function checkIndexSnapshot(
  dir: string,
  snapshot: IndexSnapshot,
  sizes: ReadonlyMap<string, number>,
  every: number,
): string | undefined {
  if (snapshot.every !== every) {
    return `it has ${snapshot.every} lines per block, the store ${every}`;
  }
  const names = new Set(snapshot.files.map((f) => f.name));
  const ids = new Set(snapshot.gpus.map((g) => g.gpu.info.id));
  if (ids.size !== snapshot.gpus.length || snapshot.gpus.some((g) => !names.has(g.file))) {
    return "its GPU list does not match its files";
  }
  for (const file of snapshot.files) {
    const path = join(dir, file.name);
    const size = sizes.get(file.name);
    if (size === undefined) return `${file.name} is gone`;
    if (size < file.size) return `${file.name} has ${size} bytes, ${file.size} were indexed`;
    const id = fileIdentity(path);
    if (file.ino !== 0 && (id.ino !== file.ino || id.dev !== file.dev)) {
      return `${file.name} is another file than the one indexed (inode changed)`;
    }
    const from = Math.max(0, file.size - TAIL_CHECK_BYTES);
    if (crc32(readRangeSync(path, from, file.size - from)) !== file.tailCrc) {
      return `${file.name} was rewritten (its bytes before ${file.size} differ)`;
    }
  }
  return undefined;
}

function fileIdentity(path: string): { dev: number; ino: number } {
  try {
    const stat = Deno.statSync(path);
    return { dev: stat.dev ?? 0, ino: stat.ino ?? 0 };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { dev: 0, ino: 0 };
    throw error;
  }
}

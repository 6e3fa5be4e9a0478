/**
 * `gputel compact`: removes from a data dir's collector dirs every record
 * whose origin (see `origin.ts`) another record already holds, so each
 * published message is in the files once across the whole group.
 *
 * Safe beside running collectors: a dir whose lock another process holds
 * (a live collector) is never written — its records (files up to its
 * checkpoint, and its journal's acked rounds past it) count as the copies
 * kept, and copies elsewhere are removed. Every other dir is first opened
 * as a store once (so its journal is replayed into its files and
 * checkpointed), then locked for the rewrite: a file losing lines is written
 * to a temporary file, fdatasynced and renamed over the old one, then its
 * checkpointed size is corrected. A crash between the rename and the
 * correction leaves a file shorter than its checkpoint, which the
 * collector's recovery accepts (it keeps the whole lines there are). Records
 * without an origin are never removed. Running it again removes nothing.
 *
 * @module
 */
import { join } from "node:path";
import { Checkpoint, CHECKPOINT_FILE_NAME, JOURNAL_KEY } from "../datadir/checkpoint.ts";
import { lockDir } from "./dir_lock.ts";
import { StoreLockedError } from "./errors.ts";
import { isGpuFileName } from "../datadir/file_name.ts";
import { JournalTailView } from "../query/journal_tail_view.ts";
import { scanLines, syncDir } from "../datadir/jsonl_files.ts";
import { CollectorStore } from "./store.ts";
import { removeIndexSnapshot } from "./index_snapshot.ts";
import { DEFAULT_FSYNC } from "./store_options.ts";

/** What compaction did to one collector dir. */
export interface CompactedDir {
  /** The dir's name under the data dir (the collector id). */
  id: string;
  /** `compacted`: rewritten where needed; `live`: held by a running collector, only read. */
  state: "compacted" | "live";
  /** Records read. */
  records: number;
  /** Records removed (copies of an origin kept elsewhere). */
  removed: number;
}

/** What {@linkcode compactDataDir} did. */
export interface CompactReport {
  /** Per collector dir, in the order they were processed. */
  dirs: CompactedDir[];
  /** Records removed in all. */
  removed: number;
}

const decoder = new TextDecoder();

/**
 * Compacts every collector dir under `dataDir` (those holding a checkpoint).
 *
 * @param dataDir the data dir the collectors share
 * @param options `fsync` (default {@linkcode DEFAULT_FSYNC}): fdatasync rewritten files and the dir
 * @throws {Error} what the file system or Deno KV throws; files already
 *   rewritten stay consistent
 */
export async function compactDataDir(
  dataDir: string,
  options: { fsync?: boolean } = {},
): Promise<CompactReport> {
  const fsync = options.fsync ?? DEFAULT_FSYNC;
  const ids = await collectorDirs(dataDir);
  const idle: string[] = [];
  const live: string[] = [];
  for (const id of ids) {
    try {
      // Replays its journal into its files and checkpoints them.
      await (await CollectorStore.open({ dir: join(dataDir, id), fsync })).close();
      idle.push(id);
    } catch (error) {
      if (!(error instanceof StoreLockedError)) throw error;
      live.push(id);
    }
  }
  const seen = new Set<string>();
  const report: CompactReport = { dirs: [], removed: 0 };
  for (const id of live) report.dirs.push(await readLive(join(dataDir, id), id, seen));
  for (const id of idle) {
    const dir = join(dataDir, id);
    let lock;
    try {
      lock = await lockDir(dir);
    } catch (error) {
      if (!(error instanceof StoreLockedError)) throw error;
      report.dirs.push(await readLive(dir, id, seen)); // a collector started meanwhile
      continue;
    }
    try {
      const done = await rewriteDir(dir, id, seen, fsync);
      report.dirs.push(done);
      report.removed += done.removed;
    } finally {
      lock.close();
    }
  }
  return report;
}

async function collectorDirs(dataDir: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of Deno.readDir(dataDir)) {
    if (!entry.isDirectory) continue;
    try {
      if ((await Deno.stat(join(dataDir, entry.name, CHECKPOINT_FILE_NAME))).isFile) {
        ids.push(entry.name);
      }
    } catch {
      // not a collector dir
    }
  }
  return ids.sort();
}

function originOfLine(line: Uint8Array): string | undefined {
  try {
    const o = JSON.parse(decoder.decode(line))?._o;
    return typeof o === "string" ? o : undefined;
  } catch {
    return undefined;
  }
}

// A live collector's records, read as `gputel api` reads them: its files up
// to its checkpoint, and its journal's rounds past it.
async function readLive(dir: string, id: string, seen: Set<string>): Promise<CompactedDir> {
  let records = 0;
  const sizes = new Map<string, number>();
  let gen = 0;
  const kv = await Deno.openKv(join(dir, CHECKPOINT_FILE_NAME));
  try {
    for await (const entry of kv.list<number>({ prefix: ["f"] })) {
      const name = entry.key[1];
      if (typeof name === "string" && isGpuFileName(name)) sizes.set(name, entry.value);
    }
    const value = (await kv.get<number>(JOURNAL_KEY)).value;
    if (Number.isSafeInteger(value)) gen = value!;
  } finally {
    kv.close();
  }
  for (const [name, size] of sizes) {
    await scanLines(join(dir, name), size, (line) => {
      records++;
      const o = originOfLine(line);
      if (o !== undefined) seen.add(o);
    }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
  const tail = new JournalTailView(dir);
  await tail.refresh(gen, sizes);
  for (const o of tail.origins()) {
    records++;
    seen.add(o);
  }
  return { id, state: "live", records, removed: 0 };
}

async function rewriteDir(
  dir: string,
  id: string,
  seen: Set<string>,
  fsync: boolean,
): Promise<CompactedDir> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && isGpuFileName(entry.name)) names.push(entry.name);
  }
  names.sort();
  const sizes = new Map<string, number>();
  let records = 0;
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    const kept: Uint8Array[] = [];
    let dropped = 0;
    const size = (await Deno.stat(path)).size;
    await scanLines(path, size, (line) => {
      records++;
      const o = originOfLine(line);
      if (o !== undefined && seen.has(o)) {
        dropped++;
        return;
      }
      if (o !== undefined) seen.add(o);
      kept.push(line.slice(), NEWLINE);
    });
    if (dropped === 0) continue;
    removed += dropped;
    const tmp = `${path}.compact`;
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    let bytes = 0;
    try {
      for (const part of kept) {
        let done = 0;
        while (done < part.length) done += await file.write(part.subarray(done));
        bytes += part.length;
      }
      if (fsync) await file.syncData();
    } finally {
      file.close();
    }
    // The time index snapshot describes the files as they were: gone before the first rewrite.
    if (sizes.size === 0) await removeIndexSnapshot(dir);
    await Deno.rename(tmp, path);
    sizes.set(name, bytes);
  }
  if (sizes.size > 0) {
    if (fsync) await syncDir(dir);
    const checkpoint = await Checkpoint.open(join(dir, CHECKPOINT_FILE_NAME));
    try {
      await checkpoint.correct(sizes);
    } finally {
      checkpoint.close();
    }
  }
  return { id, state: "compacted", records, removed };
}

const NEWLINE = Uint8Array.of(0x0a);

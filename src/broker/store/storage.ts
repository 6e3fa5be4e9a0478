/**
 * The broker's durable log on disk, under `<dir>`:
 *
 * ```
 * broker.id                     this log's identity (survives restarts)
 * groups.json                   committed offsets of every group
 * clean                         present only while stopped after a clean close
 * topics/<topic>/topic.json     {"partitions": N, "log": identity}
 * topics/<topic>/<p>/<base>.log records (see record.ts)
 * topics/<topic>/<p>/<base>.idx one entry per record
 * topics/<topic>/<p>/hw         high-water file: epochs and reserved offsets (high_water.ts)
 * ```
 *
 * Every file goes through a {@linkcode FileLayer} (the OS, or a simulated
 * disk in tests) and a bounded descriptor pool. Damaged metadata is handled
 * by `metadata.ts`; lost log ranges by `high_water.ts`.
 *
 * Appends are written, then made durable per the fsync policy: `always`
 * confirms only after fdatasync, and one fdatasync round covers every batch
 * that arrived while the previous one ran (group commit).
 *
 * @module
 */
import { join } from "node:path";
import { FdPool, type FdPoolCounters } from "../../fs/fd_pool.ts";
import { type FileLayer, writeFileDurably } from "../../fs/file_layer.ts";
import type { Logger } from "../../obs/log.ts";
import { GroupCommit } from "./group_commit.ts";
import { OFFSET_RESERVE, writeHighWater } from "./high_water.ts";
import { type GroupOffsets, readGroups, writeTopicMeta } from "./metadata.ts";
import { type BatchLocation, PartitionFiles, type RecordInput } from "./partition_files.ts";
import { type RecoveredTopic, recoverTopics } from "./recovery.ts";
import {
  type BrokerStorageOptions,
  type FsyncPolicy,
  type ResolvedStorageOptions,
  resolveStorageOptions,
  type StorageCounters,
} from "./storage_options.ts";

export type { GroupOffsets } from "./metadata.ts";
export type { RecoveredTopic } from "./recovery.ts";
export type { BrokerStorageOptions, FsyncPolicy, StorageCounters } from "./storage_options.ts";

/** The broker's durable log. */
export class BrokerStorage {
  /** Data directory. */
  readonly dir: string;
  /** When appends are fsynced. */
  readonly policy: FsyncPolicy;
  /** Broker id kept in the data dir. */
  readonly id: string;
  /** Storage counters shown in /stats. */
  readonly counters: StorageCounters;
  /** Topics found on disk at open. */
  readonly recovered: RecoveredTopic[];
  /** Saved consumer group offsets. */
  readonly groups: GroupOffsets;
  /** The descriptor pool's counters. */
  readonly descriptors: FdPoolCounters;
  #segmentBytes: number;
  #log: Logger;
  #pool: FdPool;
  #topics = new Map<string, Promise<PartitionFiles[]>>();
  #known = new Map<string, PartitionFiles[]>();
  #commit: GroupCommit;
  #interval: ReturnType<typeof setInterval> | undefined;
  #lastGroups = "";
  #closed = false;

  private constructor(
    o: ResolvedStorageOptions,
    pool: FdPool,
    id: string,
    recovered: RecoveredTopic[],
    groups: GroupOffsets,
    counters: StorageCounters,
  ) {
    this.dir = o.dir;
    this.policy = o.fsync;
    this.id = id;
    this.recovered = recovered;
    this.groups = groups;
    this.#segmentBytes = o.segmentBytes;
    this.#log = o.logger;
    this.#pool = pool;
    this.descriptors = pool.counters;
    this.#lastGroups = JSON.stringify(groups);
    this.counters = counters;
    for (const t of recovered) {
      this.#topics.set(t.name, Promise.resolve(t.partitions));
      this.#known.set(t.name, t.partitions);
    }
    this.#commit = new GroupCommit(o.fsync, counters, o.logger);
    if (o.fsync === "interval") {
      this.#interval = setInterval(() => void this.#commit.syncAll(), o.fsyncIntervalMs);
    }
  }

  /**
   * Opens the log, recovering every partition's segment tails, checking the
   * metadata and starting a new epoch where the log lost offsets it had
   * handed out.
   *
   * @throws {RangeError} on a bad option
   * @throws {MetadataError} on metadata damage that needs `repairMetadata`
   */
  static async open(options: BrokerStorageOptions): Promise<BrokerStorage> {
    const o = resolveStorageOptions(options);
    const pool = new FdPool(o.files, o.maxOpenFiles);
    await o.files.mkdir(join(o.dir, "topics"));
    const clean = await takeCleanMarker(o.files, o.dir);
    const groups = await readGroups(
      o.files,
      join(o.dir, "groups.json"),
      o.repairMetadata,
      o.logger,
    );
    const r = await recoverTopics({ ...o, pool, groups, clean });
    const counters: StorageCounters = {
      writes: 0,
      writeErrors: 0,
      syncs: 0,
      syncErrors: 0,
      reads: 0,
      corruptReads: 0,
      recoveredTruncatedBytes: r.repair.truncatedBytes,
      recoveredCorruptRanges: r.repair.corruptRanges,
      segmentsRemoved: 0,
      lostMessages: 0,
    };
    for (const t of r.topics) for (const p of t.partitions) counters.lostMessages += p.lostMessages;
    return new BrokerStorage(o, pool, r.id, r.topics, groups, counters);
  }

  /** The files of a topic whose directories exist, if any. */
  filesOf(topic: string): PartitionFiles[] | undefined {
    return this.#known.get(topic);
  }

  /** Open descriptors' limit. */
  get maxOpenFiles(): number {
    return this.#pool.capacity;
  }

  /** The partition files of `topic`, creating its directories on first use. */
  topic(name: string, partitions: number): Promise<PartitionFiles[]> {
    let t = this.#topics.get(name);
    if (!t) {
      t = (async () => {
        const tdir = join(this.dir, "topics", name);
        await this.#pool.files.mkdir(tdir);
        const out: PartitionFiles[] = [];
        for (let p = 0; p < partitions; p++) {
          const repair = { truncatedBytes: 0, corruptRanges: 0, indexFixes: 0 };
          const pdir = join(tdir, String(p));
          const files = await PartitionFiles.open(this.#pool, pdir, this.#segmentBytes, repair);
          // Reserved ahead now, so the first publishes do not wait for it.
          const end = files.endOffset;
          files.highWater = {
            id: this.id,
            fsync: this.policy,
            reserved: end + OFFSET_RESERVE,
            epochs: [],
          };
          await writeHighWater(this.#pool.files, pdir, files.highWater);
          out.push(files);
        }
        // topic.json last: a directory without it holds no segment yet.
        await writeTopicMeta(this.#pool.files, tdir, { partitions, log: this.id });
        await this.#pool.files.syncDir(join(this.dir, "topics"));
        this.#known.set(name, out);
        return out;
      })();
      this.#topics.set(name, t);
      t.catch(() => this.#topics.delete(name));
    }
    return t;
  }

  /**
   * Makes sure offsets up to `end` are reserved in the partition's
   * high-water file before any of them is handed out: rewrites it (fsynced)
   * only when `end` passes the reservation.
   */
  async #reserve(files: PartitionFiles, end: number): Promise<void> {
    const hw = files.highWater ??= { id: this.id, fsync: this.policy, reserved: 0, epochs: [] };
    if (end <= hw.reserved && hw.fsync === this.policy) return;
    const next = { ...hw, fsync: this.policy, reserved: end + OFFSET_RESERVE };
    await writeHighWater(this.#pool.files, files.dir, next);
    files.highWater = next;
  }

  /** Writes a batch's record; the caller serialises appends per partition. */
  async append(files: PartitionFiles, h: RecordInput, blob: Uint8Array): Promise<BatchLocation> {
    try {
      await this.#reserve(files, h.baseOffset + h.count);
      const loc = await files.append(h, blob);
      this.counters.writes++;
      return loc;
    } catch (err) {
      this.counters.writeErrors++;
      throw err;
    }
  }

  /** Resolves when what was appended to `files` so far is durable per the policy. */
  durable(files: PartitionFiles): Promise<void> {
    return this.#commit.durable(files);
  }

  /** Reads a persisted batch; undefined (and counted) when it fails its CRC. */
  async read(loc: BatchLocation): Promise<Uint8Array | undefined> {
    this.counters.reads++;
    const blob = await loc.segment.read(loc.entry);
    if (!blob) {
      this.counters.corruptReads++;
      if (loc.files.noteCorrupt(loc.entry)) this.counters.lostMessages += loc.entry.count;
      this.#log.warn("skipping a corrupt batch", {
        segment: loc.segment.logPath,
        position: loc.entry.position,
        offsets: `${loc.entry.baseOffset}..${loc.entry.baseOffset + loc.entry.count - 1}`,
      });
    }
    return blob;
  }

  /** Writes group offsets when they changed (atomically: temp file, then rename). */
  async saveGroups(groups: GroupOffsets): Promise<void> {
    const text = JSON.stringify(groups);
    if (text === this.#lastGroups) return;
    await writeFileDurably(
      this.#pool.files,
      join(this.dir, "groups.json"),
      new TextEncoder().encode(text),
    );
    this.#lastGroups = text;
  }

  /**
   * Closes every descriptor without the final sync or the clean-close
   * marker: what a crash leaves behind. For fault drills and tests.
   */
  async abandon(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#interval);
    for (const t of this.#topics.values()) for (const p of await t.catch(() => [])) p.close();
    this.#topics.clear();
  }

  /** Syncs what is pending and closes every file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#interval);
    const all: PartitionFiles[] = [];
    for (const t of this.#topics.values()) all.push(...await t.catch(() => []));
    let synced = true;
    await Promise.all(all.map((f) => f.sync())).catch((err) => {
      synced = false;
      this.#log.error("final fdatasync failed: the next start treats this stop as a crash", {
        error: String(err),
      });
    });
    for (const p of all) p.close();
    this.#topics.clear();
    if (synced) {
      await writeFileDurably(this.#pool.files, join(this.dir, CLEAN), new Uint8Array(0))
        .catch(() => {});
    }
  }
}

const CLEAN = "clean";

/** Whether the last run closed cleanly; removes the marker (durably) so a crash from now on shows. */
async function takeCleanMarker(files: FileLayer, dir: string): Promise<boolean> {
  try {
    await files.stat(join(dir, CLEAN));
  } catch {
    return false;
  }
  await files.remove(join(dir, CLEAN));
  await files.syncDir(dir);
  return true;
}

/**
 * The broker's durable log on disk, under `<dir>`:
 *
 * ```
 * broker.id                     this log's identity (survives restarts)
 * groups.json                   committed offsets of every group
 * topics/<topic>/topic.json     {"partitions": N}
 * topics/<topic>/<p>/<base>.log records (see record.ts)
 * topics/<topic>/<p>/<base>.idx one entry per record
 * ```
 *
 * Appends are written, then made durable per the fsync policy: `always`
 * confirms only after fdatasync, and one fdatasync round covers every batch
 * that arrived while the previous one ran (group commit).
 *
 * @module
 */
import { join } from "node:path";
import type { Logger } from "../../obs/log.ts";
import { type BatchLocation, PartitionFiles, type RecordInput } from "./partition_files.ts";
import type { SegmentRepair } from "./segment.ts";

/** When PUBLISH_OK may be sent relative to fdatasync. */
export type FsyncPolicy = "always" | "interval" | "never";

/** Options of {@linkcode BrokerStorage.open}. */
export interface BrokerStorageOptions {
  /** The broker's own directory (e.g. `<data-dir>/broker`). */
  dir: string;
  /** When appended batches are fsynced. @default {"always"} */
  fsync?: FsyncPolicy;
  /** Sync period for `interval`, ms. @default {1000} */
  fsyncIntervalMs?: number;
  /** Roll to a new segment past this size. @default {67108864} */
  segmentBytes?: number;
  /** Where the storage logs. */
  logger: Logger;
}

/** A topic found on disk. */
export interface RecoveredTopic {
  /** Topic name. */
  name: string;
  /** Partitions' files as found on disk. */
  partitions: PartitionFiles[];
}

/** Counters of the storage layer. */
export interface StorageCounters {
  /** Batches written. */
  writes: number;
  /** Writes that failed. */
  writeErrors: number;
  /** Fsyncs done. */
  syncs: number;
  /** Fsyncs that failed. */
  syncErrors: number;
  /** Batches that failed their CRC when read (skipped, their messages counted as dropped). */
  /** Batches read back from disk (a consumer past the in-memory cache). */
  reads: number;
  /** Reads that found a corrupt record. */
  corruptReads: number;
  /** Bytes cut from torn or garbage tails at startup. */
  recoveredTruncatedBytes: number;
  /** Corrupt stretches skipped in tails at startup. */
  recoveredCorruptRanges: number;
  /** Segments deleted by retention. */
  segmentsRemoved: number;
}

/** Committed offsets per topic, group and partition. */
export type GroupOffsets = Record<string, Record<string, number[]>>;

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
  #segmentBytes: number;
  #log: Logger;
  #topics = new Map<string, Promise<PartitionFiles[]>>();
  #pending = new Set<PartitionFiles>();
  #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #syncing = false;
  #interval: ReturnType<typeof setInterval> | undefined;
  #lastGroups = "";

  private constructor(
    o: Required<BrokerStorageOptions>,
    id: string,
    recovered: RecoveredTopic[],
    groups: GroupOffsets,
    repair: SegmentRepair,
  ) {
    this.dir = o.dir;
    this.policy = o.fsync;
    this.id = id;
    this.recovered = recovered;
    this.groups = groups;
    this.#segmentBytes = o.segmentBytes;
    this.#log = o.logger;
    this.#lastGroups = JSON.stringify(groups);
    this.counters = {
      writes: 0,
      writeErrors: 0,
      syncs: 0,
      syncErrors: 0,
      reads: 0,
      corruptReads: 0,
      recoveredTruncatedBytes: repair.truncatedBytes,
      recoveredCorruptRanges: repair.corruptRanges,
      segmentsRemoved: 0,
    };
    for (const t of recovered) this.#topics.set(t.name, Promise.resolve(t.partitions));
    if (o.fsync === "interval") {
      this.#interval = setInterval(() => void this.#syncAll(), o.fsyncIntervalMs);
    }
  }

  /**
   * Opens the log, recovering every partition's segment tails.
   *
   * @throws {RangeError} on a bad option
   */
  static async open(options: BrokerStorageOptions): Promise<BrokerStorage> {
    const o: Required<BrokerStorageOptions> = {
      ...options,
      fsync: options.fsync ?? "always",
      fsyncIntervalMs: options.fsyncIntervalMs ?? 1000,
      segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024,
    };
    if (!["always", "interval", "never"].includes(o.fsync)) {
      throw new RangeError(`fsync must be always, interval or never, got ${o.fsync}`);
    }
    if (!Number.isInteger(o.segmentBytes) || o.segmentBytes < 1024) {
      throw new RangeError(`segmentBytes must be an integer >= 1024, got ${o.segmentBytes}`);
    }
    await Deno.mkdir(join(o.dir, "topics"), { recursive: true });
    const id = await readOrCreateId(join(o.dir, "broker.id"));
    const repair: SegmentRepair = { truncatedBytes: 0, corruptRanges: 0, indexFixes: 0 };
    const recovered: RecoveredTopic[] = [];
    for await (const e of Deno.readDir(join(o.dir, "topics"))) {
      if (!e.isDirectory) continue;
      const tdir = join(o.dir, "topics", e.name);
      let meta: { partitions: number };
      try {
        meta = JSON.parse(await Deno.readTextFile(join(tdir, "topic.json")));
      } catch {
        o.logger.warn("skipping a topic directory without a readable topic.json", { dir: tdir });
        continue;
      }
      const partitions: PartitionFiles[] = [];
      for (let p = 0; p < meta.partitions; p++) {
        partitions.push(await PartitionFiles.open(join(tdir, String(p)), o.segmentBytes, repair));
      }
      recovered.push({ name: e.name, partitions });
    }
    if (repair.truncatedBytes > 0 || repair.corruptRanges > 0) {
      o.logger.warn("recovered the log: cut torn or corrupt tails", {
        truncatedBytes: repair.truncatedBytes,
        corruptRanges: repair.corruptRanges,
        indexFixes: repair.indexFixes,
      });
    }
    let groups: GroupOffsets = {};
    try {
      groups = JSON.parse(await Deno.readTextFile(join(o.dir, "groups.json")));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        o.logger.warn("groups.json unreadable: groups restart from the oldest retained message", {
          error: String(e),
        });
      }
    }
    return new BrokerStorage(o, id, recovered, groups, repair);
  }

  /** The partition files of `topic`, creating its directories on first use. */
  topic(name: string, partitions: number): Promise<PartitionFiles[]> {
    let t = this.#topics.get(name);
    if (!t) {
      t = (async () => {
        const tdir = join(this.dir, "topics", name);
        await Deno.mkdir(tdir, { recursive: true });
        await Deno.writeTextFile(join(tdir, "topic.json"), JSON.stringify({ partitions }));
        const repair: SegmentRepair = { truncatedBytes: 0, corruptRanges: 0, indexFixes: 0 };
        const out: PartitionFiles[] = [];
        for (let p = 0; p < partitions; p++) {
          out.push(await PartitionFiles.open(join(tdir, String(p)), this.#segmentBytes, repair));
        }
        return out;
      })();
      this.#topics.set(name, t);
      t.catch(() => this.#topics.delete(name));
    }
    return t;
  }

  /** Writes a batch's record; the caller serialises appends per partition. */
  async append(files: PartitionFiles, h: RecordInput, blob: Uint8Array): Promise<BatchLocation> {
    try {
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
    if (this.policy !== "always") {
      if (this.policy === "interval") this.#pending.add(files);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.#pending.add(files);
      this.#waiters.push({ resolve, reject });
      if (!this.#syncing) void this.#syncLoop();
    });
  }

  async #syncLoop(): Promise<void> {
    this.#syncing = true;
    try {
      while (this.#pending.size > 0) {
        const files = [...this.#pending];
        this.#pending.clear();
        const waiters = this.#waiters.splice(0);
        try {
          await Promise.all(files.map((f) => f.sync()));
          this.counters.syncs++;
          for (const w of waiters) w.resolve();
        } catch (err) {
          this.counters.syncErrors++;
          for (const w of waiters) w.reject(err as Error);
        }
      }
    } finally {
      this.#syncing = false;
    }
  }

  async #syncAll(): Promise<void> {
    const files = [...this.#pending];
    this.#pending.clear();
    try {
      await Promise.all(files.map((f) => f.sync()));
      this.counters.syncs++;
    } catch (err) {
      this.counters.syncErrors++;
      this.#log.error("periodic fdatasync failed", { error: String(err) });
    }
  }

  /** Reads a persisted batch; undefined (and counted) when it fails its CRC. */
  async read(loc: BatchLocation): Promise<Uint8Array | undefined> {
    this.counters.reads++;
    const blob = await loc.segment.read(loc.entry);
    if (!blob) {
      this.counters.corruptReads++;
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
    const path = join(this.dir, "groups.json");
    await Deno.writeTextFile(`${path}.tmp`, text);
    await Deno.rename(`${path}.tmp`, path);
    this.#lastGroups = text;
  }

  /** Syncs what is pending and closes every file. Safe to call twice. */
  async close(): Promise<void> {
    clearInterval(this.#interval);
    await this.#syncAll();
    for (const t of this.#topics.values()) {
      for (const p of await t.catch(() => [])) p.close();
    }
    this.#topics.clear();
  }
}

async function readOrCreateId(path: string): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    const id = crypto.randomUUID();
    await Deno.writeTextFile(path, id + "\n");
    return id;
  }
}

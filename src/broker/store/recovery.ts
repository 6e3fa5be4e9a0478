/**
 * Startup recovery of the broker's log: every topic directory, its
 * metadata, its partitions' segments, and each partition's epoch (see
 * `high_water.ts`). Damaged metadata is rebuilt from what is on disk, or
 * refused (see `metadata.ts`); every lost range is logged and counted.
 *
 * @module
 */
import { join } from "node:path";
import type { FdPool } from "../../fs/fd_pool.ts";
import type { FileLayer } from "../../fs/file_layer.ts";
import type { Logger } from "../../obs/log.ts";
import {
  type HighWater,
  OFFSET_RESERVE,
  planRecovery,
  readHighWater,
  type RecoveryPlan,
  writeHighWater,
} from "./high_water.ts";
import {
  type GroupOffsets,
  partitionDirs,
  readBrokerId,
  readTopicMeta,
  resolveIdentity,
  writeTopicMeta,
} from "./metadata.ts";
import { PartitionFiles } from "./partition_files.ts";
import type { SegmentRepair } from "./segment.ts";
import type { FsyncPolicy } from "./storage_options.ts";

/** A topic found on disk. */
export interface RecoveredTopic {
  /** Topic name. */
  name: string;
  /** Partitions' files as found on disk. */
  partitions: PartitionFiles[];
  /** Per partition: where it continues and what it lost. */
  plans: RecoveryPlan[];
}

/** What {@linkcode recoverTopics} needs. */
export interface RecoveryContext {
  /** The broker's own directory. */
  dir: string;
  /** The file layer. */
  files: FileLayer;
  /** The descriptor pool. */
  pool: FdPool;
  /** Roll to a new segment past this size. */
  segmentBytes: number;
  /** The fsync policy of this run. */
  fsync: FsyncPolicy;
  /** `--repair-metadata` was given. */
  repairMetadata: boolean;
  /** Committed offsets read from `groups.json`. */
  groups: GroupOffsets;
  /** The last run closed the log cleanly. */
  clean: boolean;
  /** Where recovery logs. */
  logger: Logger;
}

interface Found {
  name: string;
  tdir: string;
  partitions: PartitionFiles[];
  highWaters: (HighWater | undefined)[];
  /** topic.json must be (re)written: rebuilt, or without the identity copy. */
  rewrite: "rebuilt" | "upgrade" | undefined;
}

/**
 * Recovers every topic under `<dir>/topics` and settles the log identity.
 *
 * @throws {MetadataError} on damage that needs `--repair-metadata`
 */
export async function recoverTopics(
  c: RecoveryContext,
): Promise<{ id: string; topics: RecoveredTopic[]; repair: SegmentRepair }> {
  const repair: SegmentRepair = { truncatedBytes: 0, corruptRanges: 0, indexFixes: 0 };
  const copies = new Set<string>();
  const found: Found[] = [];
  for await (const e of c.files.readDir(join(c.dir, "topics"))) {
    if (!e.isDirectory) continue;
    const tdir = join(c.dir, "topics", e.name);
    const meta = await readTopicMeta(c.files, tdir);
    let count = meta?.partitions ?? await partitionDirs(c.files, tdir);
    if (count === 0) {
      c.logger.warn("ignoring a topic directory without topic.json or partitions", { dir: tdir });
      continue;
    }
    if (meta) count = Math.max(count, await partitionDirs(c.files, tdir));
    if (meta?.log) copies.add(meta.log);
    const partitions: PartitionFiles[] = [];
    const highWaters: (HighWater | undefined)[] = [];
    for (let p = 0; p < count; p++) {
      const pdir = join(tdir, String(p));
      partitions.push(await PartitionFiles.open(c.pool, pdir, c.segmentBytes, repair));
      const hw = await readHighWater(c.files, pdir);
      if (hw) copies.add(hw.id);
      highWaters.push(hw);
    }
    const rewrite = !meta
      ? "rebuilt"
      : (!meta.log || count !== meta.partitions)
      ? "upgrade"
      : undefined;
    found.push({ name: e.name, tdir, partitions, highWaters, rewrite });
  }
  if (repair.truncatedBytes > 0 || repair.corruptRanges > 0) {
    c.logger.warn("recovered the log: cut torn or corrupt tails", { ...repair });
  }
  const hasData = found.some((t) => t.partitions.some((p) => p.locations().length > 0));
  const idPath = join(c.dir, "broker.id");
  const id = await resolveIdentity(
    c.files,
    idPath,
    await readBrokerId(c.files, idPath),
    copies,
    hasData,
    c.repairMetadata,
    c.logger,
  );
  const topics: RecoveredTopic[] = [];
  for (const t of found) {
    if (t.rewrite) {
      await writeTopicMeta(c.files, t.tdir, { partitions: t.partitions.length, log: id });
      if (t.rewrite === "rebuilt") {
        c.logger.warn("topic.json was unreadable: rebuilt from the partition directories", {
          topic: t.name,
          partitions: t.partitions.length,
        });
      }
    }
    const plans: RecoveryPlan[] = [];
    for (let p = 0; p < t.partitions.length; p++) {
      plans.push(await settlePartition(c, id, t, p));
    }
    topics.push({ name: t.name, partitions: t.partitions, plans });
  }
  return { id, topics, repair };
}

/** Plans one partition's epoch, starts it, and logs what was lost. */
async function settlePartition(
  c: RecoveryContext,
  id: string,
  t: Found,
  p: number,
): Promise<RecoveryPlan> {
  const files = t.partitions[p];
  const hw = t.highWaters[p];
  let committed = 0;
  for (const offsets of Object.values(c.groups[t.name] ?? {})) {
    committed = Math.max(committed, offsets[p] ?? 0);
  }
  const plan = planRecovery(
    {
      segmentBases: files.segments.map((s) => s.base),
      batches: files.locations().map((l) => ({
        from: l.entry.baseOffset,
        to: l.entry.baseOffset + l.entry.count,
      })),
      indexedEnd: files.indexedEnd,
    },
    hw,
    committed,
    c.clean,
  );
  for (const r of plan.lost) {
    files.lostMessages += r.to - r.from;
    c.logger.error("messages lost from the log", {
      topic: t.name,
      partition: p,
      offsets: `${r.from}..${r.to - 1}`,
      messages: r.to - r.from,
    });
  }
  files.highWater = {
    id,
    fsync: hw?.fsync ?? c.fsync,
    reserved: hw?.reserved ?? 0,
    epochs: plan.epochs,
  };
  if (plan.newEpoch) {
    await files.startAt(plan.start);
    files.highWater = { ...files.highWater, fsync: c.fsync, reserved: plan.start + OFFSET_RESERVE };
    await writeHighWater(c.files, files.dir, files.highWater);
    c.logger.warn("partition starts a new epoch past every offset it may have handed out", {
      topic: t.name,
      partition: p,
      epoch: plan.epochs.length,
      start: plan.start,
    });
  }
  return plan;
}

/**
 * The broker log's metadata files and the rule that protects the data they
 * describe: `broker.id` (the log's identity), `topics/<t>/topic.json`
 * (partition count, and a copy of the identity) and `groups.json`. A file
 * that cannot be read next to existing segments is rebuilt from what is on
 * disk (partition directories, the identity copies) when that is certain,
 * and otherwise the broker refuses to start with a {@linkcode MetadataError}
 * naming the file and `--repair-metadata`. A topic is never re-created over
 * existing segments, and the identity never changes silently.
 *
 * @module
 */
import { join } from "node:path";
import { type FileLayer, writeFileDurably } from "../../fs/file_layer.ts";
import type { Logger } from "../../obs/log.ts";

/** Metadata damage the broker will not repair on its own: the message names the file and the flag. */
export class MetadataError extends Error {
  /**
   * Creates it.
   *
   * @param message one sentence: the file, what is wrong, the flag that accepts the rebuild
   */
  constructor(message: string) {
    super(message);
    this.name = "MetadataError";
  }
}

/** What `topic.json` holds. */
export interface TopicMeta {
  /** Partition count. */
  partitions: number;
  /** The log identity the topic was created under (absent in files of older versions). */
  log?: string;
}

const ID = /^[A-Za-z0-9-]{8,100}$/;
const encoder = new TextEncoder();

/** Reads a `topic.json`; undefined when missing or unreadable. */
export async function readTopicMeta(
  files: FileLayer,
  tdir: string,
): Promise<TopicMeta | undefined> {
  try {
    const meta = JSON.parse(
      new TextDecoder().decode(await files.readFile(join(tdir, "topic.json"))),
    );
    if (!Number.isInteger(meta?.partitions) || meta.partitions < 1 || meta.partitions > 1024) {
      return undefined;
    }
    return {
      partitions: meta.partitions,
      log: typeof meta.log === "string" ? meta.log : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Writes a `topic.json` durably. */
export async function writeTopicMeta(
  files: FileLayer,
  tdir: string,
  meta: TopicMeta,
): Promise<void> {
  await writeFileDurably(files, join(tdir, "topic.json"), encoder.encode(JSON.stringify(meta)));
}

/**
 * The partition count of a topic directory whose `topic.json` is lost:
 * one more than the highest numbered partition directory (0 when none).
 */
export async function partitionDirs(files: FileLayer, tdir: string): Promise<number> {
  let n = 0;
  for await (const e of files.readDir(tdir)) {
    if (e.isDirectory && /^\d{1,4}$/.test(e.name)) n = Math.max(n, Number(e.name) + 1);
  }
  return n;
}

/** Reads `broker.id`: the identity, "missing", or "unreadable". */
export async function readBrokerId(
  files: FileLayer,
  path: string,
): Promise<string | "missing" | "unreadable"> {
  try {
    const id = new TextDecoder().decode(await files.readFile(path)).trim();
    return ID.test(id) ? id : "unreadable";
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? "missing" : "unreadable";
  }
}

/**
 * Decides the log's identity at start.
 *
 * @param found what `broker.id` held
 * @param copies identities recorded beside the segments (topic.json, high-water files)
 * @param hasData whether any segment holds a record
 * @param repair `--repair-metadata` was given: a lost identity may be replaced
 * @throws {MetadataError} when the identity is lost and cannot be rebuilt
 */
export async function resolveIdentity(
  files: FileLayer,
  path: string,
  found: string | "missing" | "unreadable",
  copies: ReadonlySet<string>,
  hasData: boolean,
  repair: boolean,
  log: Logger,
): Promise<string> {
  if (found !== "missing" && found !== "unreadable") {
    if (copies.size > 0 && !copies.has(found)) {
      log.warn("broker.id differs from the identity recorded beside the segments", {
        id: found,
        recorded: [...copies].join(","),
      });
    }
    return found;
  }
  let id: string;
  if (copies.size === 1) {
    id = [...copies][0];
    log.warn(`broker.id was ${found}: rebuilt from the identity recorded beside the segments`, {
      id,
    });
  } else if (!hasData || repair) {
    id = crypto.randomUUID();
    if (hasData) {
      log.warn(
        "broker.id lost: took a new identity (--repair-metadata); collectors will store the retained messages again",
        { id },
      );
    }
  } else {
    const why = copies.size === 0
      ? "no copy of the identity is recorded beside the segments"
      : `the segments record ${copies.size} different identities`;
    throw new MetadataError(
      `${path} is ${found} and ${why}: start with --repair-metadata to take a new identity (collectors will then store the retained messages again)`,
    );
  }
  await writeFileDurably(files, path, encoder.encode(id + "\n"));
  return id;
}

/** Committed offsets per topic, group and partition. */
export type GroupOffsets = Record<string, Record<string, number[]>>;

/**
 * Reads `groups.json`. Missing: no groups yet. Unreadable: with `repair`,
 * groups restart from the oldest retained message (collectors skip what
 * they stored, by origin), otherwise a {@linkcode MetadataError}.
 *
 * @throws {MetadataError} for an unreadable file without `repair`
 */
export async function readGroups(
  files: FileLayer,
  path: string,
  repair: boolean,
  log: Logger,
): Promise<GroupOffsets> {
  let text: string;
  try {
    text = new TextDecoder().decode(await files.readFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    text = "";
  }
  try {
    const groups = JSON.parse(text);
    if (isGroupOffsets(groups)) return groups;
  } catch {
    // unreadable: below
  }
  if (!repair) {
    throw new MetadataError(
      `${path} is unreadable: start with --repair-metadata to restart every group from the oldest retained message (collectors skip what they already stored)`,
    );
  }
  log.warn(
    "groups.json unreadable: groups restart from the oldest retained message (--repair-metadata)",
    { path },
  );
  return {};
}

function isGroupOffsets(v: unknown): v is GroupOffsets {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((groups) =>
    typeof groups === "object" && groups !== null &&
    Object.values(groups).every((c) =>
      Array.isArray(c) && c.every((n) => Number.isSafeInteger(n) && n >= 0)
    )
  );
}

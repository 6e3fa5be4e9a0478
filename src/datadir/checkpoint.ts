/**
 * The collector's checkpoint in Deno KV: per (topic, group, partition) the
 * next offset to store, per GPU file its committed size, and the journal
 * generation replay starts from. Everything a checkpoint records is durable
 * in the GPU files, so after a crash the files are cut back to exactly these
 * sizes and the journal from that generation on is replayed over them.
 *
 * KV limits shape the layout: an atomic operation takes at most 1000
 * mutations and 81,920 bytes of keys, so sizes live under one short key per
 * file (`["f", name]`, names ≤ 106 bytes) and a commit carries at most
 * {@linkcode MAX_FILES_PER_COMMIT} files (≈58 KiB of keys). A larger
 * checkpoint is split into several commits, the journal generation last
 * ({@linkcode Checkpoint.commitSnapshot}): an earlier commit alone only
 * records sizes the files already hold durably, and replay skips what a file
 * holds, so any prefix of the commits is a valid checkpoint.
 *
 * @module
 */

/** The checkpoint database's file name inside a collector's data dir. */
export const CHECKPOINT_FILE_NAME = "checkpoint.kv";

/** Most file sizes in one atomic commit (plus one offset key). */
export const MAX_FILES_PER_COMMIT = 500;

/** Most mutations Deno KV takes in one atomic operation. */
export const MAX_MUTATIONS_PER_COMMIT = 1000;

/**
 * Most key bytes the store puts in one atomic commit: Deno KV refuses more
 * than 81,920; the rest is a margin for the estimate of {@linkcode commitKeyBytes}.
 */
export const MAX_KEY_BYTES_PER_COMMIT = 80_000;

/** Longest topic or group name, in UTF-8 bytes, so offset keys stay under KV's 2 KiB. */
export const MAX_NAME_BYTES = 512;

/** The position of one partition of a topic for one consumer group. */
export interface PartitionPosition {
  /** Topic name. */
  topic: string;
  /** Consumer group. */
  group: string;
  /** Partition number. */
  partition: number;
  /** The next offset to store: every offset below it is stored or skipped. */
  next: number;
}

const offsetKey = (topic: string, group: string, partition: number) => [
  "o",
  topic,
  group,
  partition,
];
const positionId = (topic: string, group: string, partition: number) =>
  JSON.stringify([topic, group, partition]);

const encoder = new TextEncoder();

// Deno KV encodes a string part as a tag, its UTF-8 bytes (NUL escaped as two
// bytes) and a NUL terminator, and a number part as a tag and 8 bytes.
function keyBytes(key: readonly (string | number)[]): number {
  let total = 0;
  for (const part of key) {
    if (typeof part === "number") {
      total += 9;
      continue;
    }
    const bytes = encoder.encode(part);
    let nuls = 0;
    for (const b of bytes) if (b === 0) nuls++;
    total += 2 + bytes.length + nuls;
  }
  return total;
}

/** Encoded key bytes of a commit's entries, to stay under {@linkcode MAX_KEY_BYTES_PER_COMMIT}. */
export const commitKeyBytes = {
  /** Bytes of a partition position's key. */
  position: (topic: string, group: string, partition: number): number =>
    keyBytes(offsetKey(topic, group, partition)),
  /** Bytes of a file size's key. */
  file: (name: string): number => keyBytes(["f", name]),
};

/** The Deno KV key of the journal generation replay starts from. */
export const JOURNAL_KEY = ["j"];

/** A Deno KV checkpoint, loaded into memory at open. */
export class Checkpoint {
  readonly #kv: Deno.Kv;
  readonly #offsets: Map<string, number>;
  readonly #sizes: Map<string, number>;
  #journalGen: number;
  #closed = false;
  /** Whether this open created the checkpoint (it had no marker before). */
  readonly created: boolean;

  private constructor(
    kv: Deno.Kv,
    offsets: Map<string, number>,
    sizes: Map<string, number>,
    journalGen: number,
    created: boolean,
  ) {
    this.#kv = kv;
    this.#offsets = offsets;
    this.#sizes = sizes;
    this.#journalGen = journalGen;
    this.created = created;
  }

  /**
   * Opens (creating if needed) the KV database at `path` and loads it. A new
   * checkpoint gets a marker key, so a later open can tell "created now"
   * (see {@linkcode created}) from "existing but empty".
   *
   * @param path the database file, e.g. `<dir>/checkpoint.kv`
   */
  static async open(path: string): Promise<Checkpoint> {
    const kv = await Deno.openKv(path);
    try {
      const offsets = new Map<string, number>();
      for await (const entry of kv.list<number>({ prefix: ["o"] })) {
        const [, topic, group, partition] = entry.key as [string, string, string, number];
        offsets.set(positionId(topic, group, partition), entry.value);
      }
      const sizes = new Map<string, number>();
      for await (const entry of kv.list<number>({ prefix: ["f"] })) {
        sizes.set(entry.key[1] as string, entry.value);
      }
      const gen = (await kv.get<number>(JOURNAL_KEY)).value;
      const created = (await kv.get(["v"])).value === null;
      if (created) await kv.set(["v"], 1);
      return new Checkpoint(kv, offsets, sizes, Number.isSafeInteger(gen) ? gen! : 0, created);
    } catch (error) {
      kv.close();
      throw error;
    }
  }

  /** The next offset to store for a partition; 0 when never seen. */
  nextOffset(topic: string, group: string, partition: number): number {
    return this.#offsets.get(positionId(topic, group, partition)) ?? 0;
  }

  /** Every file's committed size, by file name. */
  fileSizes(): ReadonlyMap<string, number> {
    return this.#sizes;
  }

  /** The first journal generation the files do not fully hold: replay starts there. */
  get journalGen(): number {
    return this.#journalGen;
  }

  /** Every committed partition position. */
  positions(): PartitionPosition[] {
    return [...this.#offsets].map(([id, next]) => {
      const [topic, group, partition] = JSON.parse(id) as [string, string, number];
      return { topic, group, partition, next };
    });
  }

  /**
   * Records a checkpoint: positions, file sizes and the journal generation
   * replay starts from, in as few atomic commits as KV's limits allow, the
   * generation in the last. Call only once the files hold the sizes durably.
   *
   * @returns the number of commits made
   * @throws {Error} what Deno KV throws; the commits made before stay
   */
  async commitSnapshot(
    positions: readonly PartitionPosition[],
    sizes: ReadonlyMap<string, number>,
    journalGen: number,
  ): Promise<number> {
    const commits: { positions: PartitionPosition[]; sizes: Map<string, number> }[] = [];
    let current = { positions: [] as PartitionPosition[], sizes: new Map<string, number>() };
    // The last commit keeps room for the generation's key.
    let [mutations, bytes] = [1, 4];
    const room = (keyBytes: number, file: boolean) =>
      mutations + 1 <= MAX_MUTATIONS_PER_COMMIT && bytes + keyBytes <= MAX_KEY_BYTES_PER_COMMIT &&
      (!file || current.sizes.size < MAX_FILES_PER_COMMIT);
    const next = () => {
      commits.push(current);
      current = { positions: [], sizes: new Map() };
      [mutations, bytes] = [1, 4];
    };
    for (const [name, size] of sizes) {
      const keyBytes = commitKeyBytes.file(name);
      if (!room(keyBytes, true)) next();
      current.sizes.set(name, size);
      [mutations, bytes] = [mutations + 1, bytes + keyBytes];
    }
    for (const p of positions) {
      const keyBytes = commitKeyBytes.position(p.topic, p.group, p.partition);
      if (!room(keyBytes, false)) next();
      current.positions.push(p);
      [mutations, bytes] = [mutations + 1, bytes + keyBytes];
    }
    commits.push(current);
    for (const [i, commit] of commits.entries()) {
      const last = i === commits.length - 1;
      await this.commitMany(commit.positions, commit.sizes, last ? journalGen : undefined);
    }
    return commits.length;
  }

  /**
   * Atomically records a partition position (optional) and file sizes.
   *
   * @throws {RangeError} when more than {@linkcode MAX_FILES_PER_COMMIT} sizes are given
   * @throws {Error} what Deno KV throws when the commit fails; nothing is recorded then
   */
  commit(
    position: PartitionPosition | undefined,
    sizes: ReadonlyMap<string, number>,
  ): Promise<void> {
    return this.commitMany(position === undefined ? [] : [position], sizes);
  }

  /**
   * Atomically records several partition positions and file sizes (and the
   * journal generation, when given): all of them or, when the commit fails,
   * none.
   *
   * @throws {RangeError} when more than {@linkcode MAX_FILES_PER_COMMIT} sizes,
   *   {@linkcode MAX_MUTATIONS_PER_COMMIT} entries or
   *   {@linkcode MAX_KEY_BYTES_PER_COMMIT} key bytes are given
   * @throws {Error} what Deno KV throws when the commit fails; nothing is recorded then
   */
  async commitMany(
    positions: readonly PartitionPosition[],
    sizes: ReadonlyMap<string, number>,
    journalGen?: number,
  ): Promise<void> {
    if (sizes.size > MAX_FILES_PER_COMMIT) {
      throw new RangeError(
        `Checkpoint.commit: at most ${MAX_FILES_PER_COMMIT} file sizes per commit, got ${sizes.size}`,
      );
    }
    if (positions.length + sizes.size > MAX_MUTATIONS_PER_COMMIT) {
      throw new RangeError(
        `Checkpoint.commit: at most ${MAX_MUTATIONS_PER_COMMIT} positions and sizes per commit, got ${
          positions.length + sizes.size
        }`,
      );
    }
    let bytes = 0;
    for (const p of positions) bytes += commitKeyBytes.position(p.topic, p.group, p.partition);
    for (const name of sizes.keys()) bytes += commitKeyBytes.file(name);
    if (bytes > MAX_KEY_BYTES_PER_COMMIT) {
      throw new RangeError(
        `Checkpoint.commit: at most ${MAX_KEY_BYTES_PER_COMMIT} key bytes per commit, got ${bytes}`,
      );
    }
    const op = this.#kv.atomic();
    for (const p of positions) op.set(offsetKey(p.topic, p.group, p.partition), p.next);
    for (const [name, size] of sizes) op.set(["f", name], size);
    if (journalGen !== undefined) op.set(JOURNAL_KEY, journalGen);
    const result = await op.commit();
    if (!result.ok) throw new Error("Deno KV refused the checkpoint commit");
    if (journalGen !== undefined) this.#journalGen = journalGen;
    for (const { topic, group, partition, next } of positions) {
      this.#offsets.set(positionId(topic, group, partition), next);
    }
    for (const [name, size] of sizes) this.#sizes.set(name, size);
  }

  /**
   * Sets or (with `undefined`) deletes file sizes, in as many atomic commits
   * as needed. Used by recovery, where each change stands on its own.
   */
  async correct(changes: ReadonlyMap<string, number | undefined>): Promise<void> {
    const all = [...changes];
    for (let i = 0; i < all.length; i += MAX_FILES_PER_COMMIT) {
      const op = this.#kv.atomic();
      for (const [name, size] of all.slice(i, i + MAX_FILES_PER_COMMIT)) {
        if (size === undefined) op.delete(["f", name]);
        else op.set(["f", name], size);
      }
      const result = await op.commit();
      if (!result.ok) throw new Error("Deno KV refused the checkpoint correction");
    }
    for (const [name, size] of changes) {
      if (size === undefined) this.#sizes.delete(name);
      else this.#sizes.set(name, size);
    }
  }

  /** Closes the database. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#kv.close();
  }
}

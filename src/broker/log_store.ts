/**
 * Where the broker's log keeps published batches: the seam between
 * {@linkcode DurableLog} (ordering, deduplication, confirms) and the bytes.
 * Like nats-server's `StreamStore` with its `memstore` and `filestore`, there
 * are two: {@linkcode MemoryLogStore} (`--no-persist`: the batches live only
 * in the core's memory) and `FileLogStore` (segments on disk, fsync per
 * policy, recovery, retention). A test can put its own behind the seam.
 *
 * @module
 */
import type { BrokerCore } from "./core.ts";
import type { GroupOffsets } from "./store/metadata.ts";
import type { RecordInput } from "./store/partition_files.ts";

/** Retention limits; 0 disables a limit. */
export interface RetentionOptions {
  /** Delete closed segments whose newest batch is older than this, ms. */
  retentionMs: number;
  /** Keep at most this many bytes per partition (whole closed segments are deleted). */
  retentionBytes: number;
}

/** A partition's losses as its store knows them. */
export interface PartitionLoss {
  /** Messages lost (ranges missing at startup, batches failing their CRC). */
  lost: number;
  /** Epochs the partition's log has started (one per restart that lost offsets). */
  epoch: number;
}

/** Storage behind the broker's log. */
export interface LogStore {
  /** The log's identity, sent in HELLO_OK: stable across restarts only when persisted. */
  readonly id: string;
  /** Descriptors the store may keep open (the connection limit leaves them). */
  readonly maxOpenFiles: number;
  /**
   * Puts what the store recovered at open into `core` (topics, batches,
   * group offsets); `onLost` hears of messages a group lost unconsumed.
   */
  restore(core: BrokerCore, onLost: (topic: string, group: string, messages: number) => void): void;
  /** Starts creating a topic's storage ahead of its first publish (failures surface on write). */
  prepare(topic: string, partitions: number): void;
  /**
   * Writes a batch (the caller serialises writes per partition) and
   * resolves with where it lies, to read it back later. Undefined (no
   * promise, so no wait on the hot path) when the core's memory is the only
   * copy: the batch is then durable, as far as this store goes, at once.
   */
  write(
    topic: string,
    partitions: number,
    partition: number,
    record: RecordInput,
    blob: Uint8Array,
  ): Promise<unknown> | undefined;
  /**
   * Resolves when what was written to the partition so far is durable per
   * the store's promise; undefined when there is nothing to wait for.
   */
  durable(topic: string, partitions: number, partition: number): Promise<void> | undefined;
  /** Reads a batch back from where {@linkcode write} put it; undefined when corrupt or absent. */
  read(loc: unknown): Promise<Uint8Array | undefined> | undefined;
  /** Persists every group's committed offsets (a store may skip an unchanged set). */
  saveGroups(groups: GroupOffsets): Promise<void>;
  /**
   * Puts back the partition ownership (home members, generations) of every
   * group in `core` that an earlier run saved. What cannot be read is
   * logged and left out: the partitions are then assigned afresh, which
   * costs stickiness, never data.
   */
  restoreOwnership(core: BrokerCore): Promise<void>;
  /** Persists every group's partition ownership (a store may skip an unchanged one). */
  saveOwnership(core: BrokerCore): Promise<void>;
  /** Deletes stored data per the limits and what every group has consumed. */
  applyRetention(core: BrokerCore, o: RetentionOptions): Promise<void>;
  /** A partition's losses. */
  partitionLoss(topic: string, partition: number): PartitionLoss;
}

const DONE: Promise<void> = Promise.resolve();
const NO_LOSS: PartitionLoss = { lost: 0, epoch: 0 };

/**
 * The memory store (`--no-persist`): batches live only in the core, are
 * durable as soon as written, and are gone when the process stops; the
 * identity is new for every start.
 */
export class MemoryLogStore implements LogStore {
  /** A fresh identity: offsets of another start are not comparable. */
  readonly id: string = `mem-${crypto.randomUUID()}`;
  /** None: no files. */
  readonly maxOpenFiles = 0;

  /** Nothing to restore. */
  restore(): void {}

  /** Nothing to create. */
  prepare(): void {}

  /** Keeps nothing beside the core's copy: durable at once. */
  write(): undefined {
    return undefined;
  }

  /** Nothing to wait for: memory is as durable as it gets. */
  durable(): undefined {
    return undefined;
  }

  /** Never called for memory batches (they keep their blob). */
  read(): undefined {
    return undefined;
  }

  /** Nothing outlives the process. */
  saveGroups(): Promise<void> {
    return DONE;
  }

  /** Nothing was saved: every start assigns afresh. */
  restoreOwnership(): Promise<void> {
    return DONE;
  }

  /** Nothing outlives the process. */
  saveOwnership(): Promise<void> {
    return DONE;
  }

  /** Memory is bounded by the topics' memory limits instead. */
  applyRetention(): Promise<void> {
    return DONE;
  }

  /** No losses: nothing is recovered. */
  partitionLoss(): PartitionLoss {
    return NO_LOSS;
  }
}

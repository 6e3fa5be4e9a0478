/**
 * The broker's state machine: topics, partitions, consumer groups, credits,
 * deadlines and dead letters. It does no I/O and reads time only from the
 * injected {@linkcode Clock}; the TCP server feeds it requests and sends what
 * {@linkcode BrokerCore.pump} returns.
 *
 * @module
 */
import { BadRequestError } from "../protocol/errors.ts";
import { resolveBrokerCoreOptions, type ResolvedBrokerCoreOptions } from "./core_options.ts";
import type { BrokerCoreOptions } from "./core_options.ts";
import type { Output } from "./output.ts";
import { roomForTopic } from "./topic_limits.ts";
import type { Credit, OwnershipState } from "./group_types.ts";
import { OutputQueue } from "./output_queue.ts";
import type { PartitionLog, StoredBatch } from "./partition_log.ts";
import { checkName, Topic } from "./topic.ts";

interface MemberPlace {
  topic: Topic;
  group: string;
}

/** The broker's state machine. */
export class BrokerCore {
  /** Options with defaults filled. */
  readonly options: ResolvedBrokerCoreOptions;
  /** Topics by name. */
  readonly topics = new Map<string, Topic>();
  #members = new Map<string, MemberPlace>();
  #queue = new OutputQueue();

  /**
   * Creates an empty broker core.
   * @throws {RangeError} on a bad option
   */
  constructor(options: BrokerCoreOptions) {
    this.options = resolveBrokerCoreOptions(options);
  }

  /**
   * The topic, created on first use.
   *
   * @throws {BadRequestError} on an invalid name
   */
  topic(name: string, partitionCount?: number): Topic {
    let t = this.topics.get(name);
    if (!t) {
      checkName("topic", name);
      const partitions = partitionCount ?? (name.endsWith(".dlq") ? 1 : this.options.partitions);
      t = new Topic(name, partitions, this.options.maxTopicBytes, this.options.cacheBytes);
      this.topics.set(name, t);
    }
    return t;
  }

  /**
   * The topic a client names (publish, subscribe), created on first use
   * within `maxTopics` and `maxPartitionsTotal`.
   *
   * @throws {BadRequestError} on an invalid name
   * @throws {LimitError} when creating it would pass a limit
   */
  clientTopic(name: string): Topic {
    const t = this.topics.get(name);
    if (t) return t;
    checkName("topic", name);
    this.checkRoom(name);
    return this.topic(name);
  }

  /**
   * Partitions a topic has, or would get if a client created it now.
   *
   * @throws {BadRequestError} on an invalid name
   * @throws {LimitError} when it does not exist and could not be created
   */
  partitionsOf(name: string): number {
    const t = this.topics.get(name);
    if (t) return t.logs.length;
    checkName("topic", name);
    return this.checkRoom(name);
  }

  /** The partitions a new topic `name` would get; throws {@linkcode LimitError} when it does not fit. */
  checkRoom(name: string): number {
    return roomForTopic(this.topics.values(), name, this.options);
  }

  /** The group a member belongs to, if subscribed. */
  groupOf(memberId: string): string | undefined {
    return this.#members.get(memberId)?.group;
  }

  /** Whether `topic` accepts a publish now (false: the publisher must wait). */
  hasRoom(topic: string): boolean {
    return this.topic(topic).hasRoom();
  }

  /**
   * Appends a batch. The caller checked {@linkcode hasRoom} and validated the
   * blob. A batch that is not yet durable is not delivered until
   * {@linkcode markDurable} covers it.
   *
   * @param b the blob (or, when restoring, only its size) and where it lies on disk
   * @throws {BadRequestError} on an invalid topic or partition
   */
  publish(
    topicName: string,
    partition: number,
    b: {
      blob?: Uint8Array;
      bytes?: number;
      count: number;
      loc?: unknown;
      baseOffset?: number;
      appendedAt?: number;
    },
    durable = true,
  ): StoredBatch {
    const log = this.#log(topicName, partition);
    const t = this.topics.get(topicName)!;
    const stored = log.append(
      { ...b, appendedAt: b.appendedAt ?? this.options.clock.now() },
      durable,
    );
    t.counters.publishedMessages += b.count;
    t.counters.publishedBatches++;
    t.counters.publishedBytes += stored.bytes;
    if (durable) this.#queue.topicChanged(t);
    return stored;
  }

  /** Re-adds a batch found on disk at startup (not counted as published). */
  restoreBatch(
    topicName: string,
    partition: number,
    b: { bytes: number; count: number; loc: unknown; baseOffset: number; appendedAt: number },
  ): void {
    this.#log(topicName, partition).append(b, true);
  }

  /** Marks a partition durable below `offset`, releasing those batches for delivery. */
  markDurable(topicName: string, partition: number, offset: number): void {
    this.#log(topicName, partition).markDurable(offset);
    this.#queue.topicChanged(this.topics.get(topicName)!);
  }

  /**
   * Restores a persisted group at its committed offsets (call before members join).
   *
   * @throws {BadRequestError} on an invalid name
   */
  restoreGroup(topicName: string, group: string, committed: readonly number[]): void {
    checkName("group", group);
    this.topic(topicName).group(group, this.options, committed);
  }

  /** Drops a delivery whose bytes could not be read (corrupt on disk). */
  discard(memberId: string, partition: number, start: number, end: number): void {
    const place = this.#members.get(memberId);
    if (!place) return;
    place.topic.groups.get(place.group)!.discard(memberId, partition, start, end);
    this.#queue.changed(place.topic.name, place.group);
  }

  /** The partition's log. @throws {BadRequestError} when it does not exist */
  log(topicName: string, partition: number): PartitionLog {
    return this.#log(topicName, partition);
  }

  #log(topicName: string, partition: number): PartitionLog {
    const t = this.topic(topicName);
    const log = t.logs[partition];
    if (!log) {
      throw new BadRequestError(
        `partition ${partition} does not exist: topic ${topicName} has ${t.logs.length}`,
      );
    }
    return log;
  }

  /**
   * Restores persisted ownership of a group's partitions (call after
   * {@linkcode restoreGroup}, before members join).
   */
  restoreOwnership(topicName: string, group: string, state: Partial<OwnershipState>): void {
    this.topics.get(topicName)?.groups.get(group)?.restoreOwnership(
      state,
      this.options.clock.now(),
    );
  }

  /**
   * Adds a member to a group. A member already in the group with the same
   * stable `key` is removed first (a reconnect that overtook the old
   * connection's close); its id is returned so the edge can drop it.
   *
   * @throws {BadRequestError} on an invalid name, a duplicate member id or a zero credit
   */
  subscribe(
    memberId: string,
    topicName: string,
    group: string,
    credit: Credit,
    key = "",
  ): string | undefined {
    checkName("group", group);
    if (this.#members.has(memberId)) {
      throw new BadRequestError(`member ${memberId} already subscribed`);
    }
    if (credit.messages < 1 || credit.bytes < 1) {
      throw new BadRequestError(`credit must allow at least 1 message and 1 byte`);
    }
    const t = this.clientTopic(topicName);
    const g = t.group(group, this.options);
    const replaced = key === "" ? undefined : g.members().find((m) => m.key === key)?.id;
    if (replaced !== undefined) this.unsubscribe(replaced);
    g.join(memberId, credit, this.options.clock.now(), key);
    this.#members.set(memberId, { topic: t, group });
    this.#queue.changed(topicName, group);
    return replaced;
  }

  /** Removes a member (disconnect, unsubscribe, missed heartbeats). */
  unsubscribe(memberId: string): void {
    const place = this.#members.get(memberId);
    if (!place) return;
    this.#members.delete(memberId);
    const g = place.topic.groups.get(place.group)!;
    this.#queue.deadLetter(place.topic, g, g.leave(memberId, this.options.clock.now()));
    this.#queue.changed(place.topic.name, place.group);
  }

  /**
   * Cumulative ack from a member. Returns false when the member does not own
   * the partition, or (with `generation`) the ack is of another generation.
   */
  ack(memberId: string, partition: number, upTo: number, generation?: number): boolean {
    const place = this.#members.get(memberId);
    if (!place) return false;
    const ok = place.topic.groups.get(place.group)!.ack(memberId, partition, upTo, generation);
    this.#queue.changed(place.topic.name, place.group);
    if (ok) place.topic.evictConsumed(partition);
    return ok;
  }

  /** Negative ack of one message. Returns false when it was not in flight for that member. */
  nack(memberId: string, partition: number, offset: number, generation?: number): boolean {
    const place = this.#members.get(memberId);
    if (!place) return false;
    const g = place.topic.groups.get(place.group)!;
    const dead = g.nack(memberId, partition, offset, this.options.clock.now(), generation);
    if (dead === undefined) return false;
    this.#queue.deadLetter(place.topic, g, dead);
    this.#queue.changed(place.topic.name, place.group);
    return true;
  }

  /** Expires deadlines. Call about once a second. */
  tick(): void {
    const now = this.options.clock.now();
    for (const t of [...this.topics.values()]) {
      for (const g of t.groups.values()) {
        this.#queue.deadLetter(t, g, g.tick(now));
        this.#queue.changed(t.name, g.name);
      }
    }
  }

  /** Deliveries, assignment notices and dead letters due now. */
  pump(): Output[] {
    return this.#queue.drain(this.topics, this.options.clock.now());
  }
}

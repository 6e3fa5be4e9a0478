/**
 * A consumer group on one topic: its members, the per-partition delivery
 * cursors and its counters; who owns which partition is its
 * {@linkcode PartitionOwnership} (`partition_ownership.ts`: cooperative handoffs,
 * fencing generations, static membership). Pure; the caller passes the
 * time. A member that leaves loses its partitions at once and its in-flight
 * messages are redelivered to the new owners.
 *
 * @module
 */
import { type Failed, PartitionCursor } from "./cursor.ts";
import { fillCredit } from "./group_delivery.ts";
import {
  type Credit,
  type DeadRange,
  type GroupCounters,
  type GroupDelivery,
  type GroupSettings,
  type Member,
  type OwnershipState,
  zeroGroupCounters,
} from "./group_types.ts";
import { PartitionOwnership } from "./partition_ownership.ts";
import type { PartitionLog } from "./partition_log.ts";

/** A consumer group. */
export class ConsumerGroup {
  /** Group name. */
  readonly name: string;
  /** Read position of the group in each partition. */
  readonly cursors: PartitionCursor[];
  /** Delivery counters shown in /stats. */
  readonly counters: GroupCounters = zeroGroupCounters();
  #settings: GroupSettings;
  #members = new Map<string, Member>();
  #ownership: PartitionOwnership;
  #rotate = 0;

  /**
   * Creates a group reading each partition from `startOffsets`.
   * @param name group name
   * @param startOffsets first offset of each partition this group will receive
   */
  constructor(name: string, startOffsets: number[], settings: GroupSettings) {
    this.name = name;
    this.#settings = settings;
    this.cursors = startOffsets.map((o) => new PartitionCursor(o));
    this.#ownership = new PartitionOwnership({
      members: this.#members,
      cursors: this.cursors,
      counters: this.counters,
      settings,
    });
  }

  /** The assignment generation of a partition. */
  generation(partition: number): number {
    return this.#ownership.generations[partition];
  }

  /** Each partition's home key and generation, to persist. */
  ownership(): OwnershipState {
    return this.#ownership.state();
  }

  /**
   * Restores persisted ownership (before members join): generations go on
   * from where they were, and each partition waits up to the rejoin grace
   * for its home key.
   */
  restoreOwnership(state: Partial<OwnershipState>, now: number): void {
    this.#ownership.restore(state, now);
  }

  /** Members in join order. */
  members(): Member[] {
    return [...this.#members.values()];
  }

  /** The partitions a member owns and receives (not counting ones it is handing off). */
  partitionsOf(memberId: string): number[] {
    return this.#ownership.partitionsOf(memberId);
  }

  /** Adds a member and rebalances. */
  join(id: string, credit: Credit, now: number, key = ""): void {
    this.#members.set(id, { id, key, credit, inflightMessages: 0, inflightBytes: 0 });
    this.#ownership.joined(id, now);
  }

  /** Removes a member; its in-flight messages go back for redelivery. */
  leave(id: string, now: number): DeadRange[] {
    const member = this.#members.get(id);
    if (!member || !this.#members.delete(id)) return [];
    const dead: DeadRange[] = [];
    this.#ownership.owners().forEach((o, p) => {
      if (o !== id) return;
      dead.push(
        ...this.#failed(p, this.cursors[p].revoke(this.#settings.maxDeliveries), undefined),
      );
    });
    this.#ownership.left(member, now);
    return dead;
  }

  /**
   * Acks a member's deliveries of `partition` below `upTo`. Returns false for
   * a stale ack: from a member that does not own the partition, or of
   * another generation (when `generation` is given).
   */
  ack(memberId: string, partition: number, upTo: number, generation?: number): boolean {
    if (this.#ownership.isStale(memberId, partition, generation)) {
      this.counters.staleAcks++;
      return false;
    }
    const released = this.cursors[partition].ack(upTo);
    this.counters.acked += released.messages;
    this.#release(memberId, released.messages, released.bytes);
    this.#ownership.maybeFinishHandoff(partition);
    return true;
  }

  /** Fails one delivered message; returns dead ranges, or undefined for a stale nack. */
  nack(
    memberId: string,
    partition: number,
    offset: number,
    now: number,
    generation?: number,
  ): DeadRange[] | undefined {
    if (this.#ownership.isStale(memberId, partition, generation)) {
      this.counters.staleAcks++;
      return undefined;
    }
    const failed = this.cursors[partition].nack(
      offset,
      this.#settings.maxDeliveries,
      now + this.#settings.ackTimeoutMs,
    );
    if (!failed) return undefined;
    this.counters.nacked++;
    return this.#failed(partition, failed, memberId);
  }

  /** Redelivers what passed its deadline and completes overdue handoffs. */
  tick(now: number): DeadRange[] {
    const dead: DeadRange[] = [];
    this.#ownership.lapseReservations(now);
    const owners = this.#ownership.owners();
    this.cursors.forEach((c, p) => {
      const owner = owners[p];
      if (owner === undefined) return;
      const failed = c.expire(now, this.#settings.maxDeliveries);
      this.counters.expired += failed.messages;
      dead.push(...this.#failed(p, failed, owner));
      if (this.#ownership.handoffOverdue(p, now)) {
        dead.push(...this.#failed(p, c.revoke(this.#settings.maxDeliveries), owner));
        this.#ownership.maybeFinishHandoff(p);
      }
    });
    return dead;
  }

  /**
   * Decides deliveries for every member with spare credit, round-robin over
   * its partitions, until credit or data runs out.
   */
  deliver(logs: PartitionLog[], now: number): GroupDelivery[] {
    const out: GroupDelivery[] = [];
    const deadline = now + this.#settings.ackTimeoutMs;
    const pass = {
      cursors: this.cursors,
      logs,
      deadline,
      counters: this.counters,
      generation: this.#ownership.generations,
      out,
    };
    for (const m of this.#members.values()) {
      const mine = this.partitionsOf(m.id);
      if (mine.length > 0) fillCredit(m, mine, this.#rotate++, pass);
    }
    return out;
  }

  /**
   * Drops a delivery whose bytes could not be read (corrupt on disk): it
   * counts as dropped, its credit is released.
   */
  discard(memberId: string, partition: number, start: number, end: number): void {
    const released = this.cursors[partition].discard(start, end);
    this.counters.dropped += released.messages;
    this.#release(memberId, released.messages, released.bytes);
  }

  /** Members whose partitions changed since the last call, with their new partitions. */
  takeAssignmentChanges(): { memberId: string; partitions: number[] }[] {
    return this.#ownership.takeChanges();
  }

  /** Lowest offset of `partition` not yet acked by this group. */
  committed(partition: number): number {
    return this.cursors[partition].committed();
  }

  /** Current owner of each partition (undefined when the group has no members). */
  owners(): (string | undefined)[] {
    return this.#ownership.owners();
  }

  #release(memberId: string | undefined, messages: number, bytes: number): void {
    const m = memberId === undefined ? undefined : this.#members.get(memberId);
    if (!m) return;
    m.inflightMessages = Math.max(0, m.inflightMessages - messages);
    m.inflightBytes = Math.max(0, m.inflightBytes - bytes);
  }

  #failed(partition: number, f: Failed, memberId: string | undefined): DeadRange[] {
    this.#release(memberId, f.messages, f.bytes);
    let deadCount = 0;
    for (const d of f.dead) deadCount += d.end - d.start;
    this.counters.deadLettered += deadCount;
    return f.dead.map((d) => ({ ...d, partition }));
  }
}

// deno-lint-ignore-file size/max-file-lines -- over the limit until issue 15 splits it
/**
 * A consumer group on one topic: its members, which partition each owns, and
 * the per-partition delivery cursors. Pure; the caller passes the time.
 *
 * Ownership moves cooperatively: when a rebalance takes a partition from a
 * live member, that member keeps it (but gets nothing new) until its in-flight
 * messages are acked or the ack timeout passes; only then does the new owner
 * receive it. A member that leaves loses its partitions at once and its
 * in-flight messages are redelivered to the new owners.
 *
 * Fencing: every partition has a generation that grows each time it changes
 * owner; deliveries carry it and an ack of another generation is stale.
 * Static membership: a member may have a stable key; when it leaves, its
 * partitions wait up to `rejoinGraceMs` for a member with that key (the same
 * collector reconnecting, or rejoining a restarted broker) instead of moving.
 *
 * @module
 */
import { stickyAssignment } from "./assignment.ts";
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
  #owner: (string | undefined)[];
  #handoff: (string | undefined)[];
  #handoffDeadline: number[];
  #generation: number[];
  #homeKey: (string | undefined)[];
  #reservedUntil: number[];
  #rotate = 0;
  /** Members whose partition set changed since the last {@linkcode takeAssignmentChanges}. */
  #changed = new Set<string>();

  /**
   * Creates a group reading each partition from `startOffsets`.
   * @param name group name
   * @param startOffsets first offset of each partition this group will receive
   */
  constructor(name: string, startOffsets: number[], settings: GroupSettings) {
    this.name = name;
    this.#settings = settings;
    this.cursors = startOffsets.map((o) => new PartitionCursor(o));
    this.#owner = startOffsets.map(() => undefined);
    this.#handoff = startOffsets.map(() => undefined);
    this.#handoffDeadline = startOffsets.map(() => 0);
    this.#generation = startOffsets.map(() => 0);
    this.#homeKey = startOffsets.map(() => undefined);
    this.#reservedUntil = startOffsets.map(() => 0);
  }

  /** The assignment generation of a partition. */
  generation(partition: number): number {
    return this.#generation[partition];
  }

  /** Each partition's home key and generation, to persist. */
  ownership(): OwnershipState {
    return { home: this.#homeKey.map((k) => k ?? null), generations: [...this.#generation] };
  }

  /**
   * Restores persisted ownership (before members join): generations go on
   * from where they were, and each partition waits up to the rejoin grace
   * for its home key.
   */
  restoreOwnership(state: Partial<OwnershipState>, now: number): void {
    this.#homeKey.forEach((_, p) => {
      const home = state.home?.[p];
      const gen = state.generations?.[p];
      if (typeof home === "string" && home !== "") {
        this.#homeKey[p] = home;
        this.#reservedUntil[p] = now + this.#settings.rejoinGraceMs;
      }
      if (Number.isSafeInteger(gen) && gen! > this.#generation[p]) this.#generation[p] = gen!;
    });
  }

  /** Members in join order. */
  members(): Member[] {
    return [...this.#members.values()];
  }

  /** The partitions a member owns and receives (not counting ones it is handing off). */
  partitionsOf(memberId: string): number[] {
    const out: number[] = [];
    this.#owner.forEach((o, p) => o === memberId && this.#handoff[p] === undefined && out.push(p));
    return out;
  }

  /** Adds a member and rebalances. */
  join(id: string, credit: Credit, now: number, key = ""): void {
    this.#members.set(id, { id, key, credit, inflightMessages: 0, inflightBytes: 0 });
    this.#changed.add(id);
    this.#rebalance(now);
  }

  /** Removes a member; its in-flight messages go back for redelivery. */
  leave(id: string, now: number): DeadRange[] {
    const member = this.#members.get(id);
    if (!member || !this.#members.delete(id)) return [];
    const dead: DeadRange[] = [];
    this.#owner.forEach((o, p) => {
      if (o !== id) return;
      dead.push(
        ...this.#failed(p, this.cursors[p].revoke(this.#settings.maxDeliveries), undefined),
      );
      this.#setOwner(p, undefined);
      if (member.key !== "") this.#reservedUntil[p] = now + this.#settings.rejoinGraceMs;
    });
    this.#changed.delete(id);
    this.#rebalance(now);
    return dead;
  }

  /**
   * Acks a member's deliveries of `partition` below `upTo`. Returns false for
   * a stale ack: from a member that does not own the partition, or of
   * another generation (when `generation` is given).
   */
  ack(memberId: string, partition: number, upTo: number, generation?: number): boolean {
    if (this.#stale(memberId, partition, generation)) {
      this.counters.staleAcks++;
      return false;
    }
    const released = this.cursors[partition].ack(upTo);
    this.counters.acked += released.messages;
    this.#release(memberId, released.messages, released.bytes);
    this.#maybeFinishHandoff(partition);
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
    if (this.#stale(memberId, partition, generation)) {
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
    let lapsed = false;
    this.#reservedUntil.forEach((until, p) => {
      if (until === 0 || until > now) return;
      this.#reservedUntil[p] = 0;
      lapsed = true;
    });
    if (lapsed) this.#rebalance(now);
    this.cursors.forEach((c, p) => {
      const owner = this.#owner[p];
      if (owner === undefined) return;
      const failed = c.expire(now, this.#settings.maxDeliveries);
      this.counters.expired += failed.messages;
      dead.push(...this.#failed(p, failed, owner));
      if (this.#handoff[p] !== undefined && now >= this.#handoffDeadline[p]) {
        dead.push(...this.#failed(p, c.revoke(this.#settings.maxDeliveries), owner));
        this.#maybeFinishHandoff(p);
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
      generation: this.#generation,
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
    const out = [...this.#changed].filter((id) => this.#members.has(id))
      .map((memberId) => ({ memberId, partitions: this.partitionsOf(memberId) }));
    this.#changed.clear();
    return out;
  }

  /** Lowest offset of `partition` not yet acked by this group. */
  committed(partition: number): number {
    return this.cursors[partition].committed();
  }

  /** Current owner of each partition (undefined when the group has no members). */
  owners(): (string | undefined)[] {
    return [...this.#owner];
  }

  #stale(memberId: string, partition: number, generation: number | undefined): boolean {
    return this.#owner[partition] !== memberId ||
      (generation !== undefined && generation !== this.#generation[partition]);
  }

  /** Changes a partition's owner; a change starts a new generation. */
  #setOwner(p: number, to: string | undefined): void {
    if (this.#owner[p] === to) return;
    this.#owner[p] = to;
    this.#generation[p]++;
    const key = to === undefined ? "" : this.#members.get(to)?.key ?? "";
    if (key !== "") this.#homeKey[p] = key;
    if (to !== undefined) this.#reservedUntil[p] = 0;
  }

  #rebalance(now: number): void {
    const ids = [...this.#members.keys()];
    const desired = stickyAssignment({
      members: ids,
      keyOf: (id) => this.#members.get(id)?.key ?? "",
      current: this.#owner.map((o, p) => this.#handoff[p] ?? o),
      homeKey: this.#homeKey,
      reservedUntil: this.#reservedUntil,
      now,
    });
    this.counters.rebalances++;
    desired.forEach((want, p) => {
      const owner = this.#owner[p];
      if (want === owner) {
        if (this.#handoff[p] !== undefined) this.#changed.add(this.#handoff[p]!);
        this.#handoff[p] = undefined;
        return;
      }
      if (owner === undefined || !this.#members.has(owner)) {
        this.#setOwner(p, want);
        this.#handoff[p] = undefined;
        if (want) this.#changed.add(want);
        return;
      }
      if (this.#handoff[p] !== want) {
        this.#handoff[p] = want;
        this.#handoffDeadline[p] = now + this.#settings.ackTimeoutMs;
        this.#changed.add(owner);
      }
      this.#maybeFinishHandoff(p);
    });
  }

  #maybeFinishHandoff(p: number): void {
    const to = this.#handoff[p];
    if (to === undefined || this.cursors[p].inflight.length > 0) return;
    const from = this.#owner[p];
    this.#setOwner(p, to);
    this.#handoff[p] = undefined;
    this.#changed.add(to);
    if (from) this.#changed.add(from);
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

/**
 * Who owns each partition of a consumer group, and how that moves. Pure;
 * the caller passes the time.
 *
 * Ownership moves cooperatively: when a rebalance takes a partition from a
 * live member, that member keeps it (but gets nothing new) until its in-flight
 * messages are acked or the ack timeout passes; only then does the new owner
 * receive it. A member that leaves loses its partitions at once.
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
import type { PartitionCursor } from "./cursor.ts";
import type { GroupCounters, GroupSettings, Member, OwnershipState } from "./group_types.ts";

/** The group state {@linkcode PartitionOwnership} reads: its members and cursors. */
export interface OwnershipGroup {
  /** The group's members by id, in join order. */
  readonly members: ReadonlyMap<string, Member>;
  /** The group's cursor of each partition (a handoff waits for its in-flight messages). */
  readonly cursors: readonly PartitionCursor[];
  /** The group's counters; each rebalance is counted. */
  readonly counters: GroupCounters;
  /** Ack timeout (the longest handoff) and rejoin grace. */
  readonly settings: GroupSettings;
}

/** The owner, handoff, generation and home key of each partition of a group. */
export class PartitionOwnership {
  #group: OwnershipGroup;
  #owner: (string | undefined)[];
  #handoff: (string | undefined)[];
  #handoffDeadline: number[];
  #generation: number[];
  #homeKey: (string | undefined)[];
  #reservedUntil: number[];
  /** Members whose partition set changed since the last {@linkcode takeChanges}. */
  #changed = new Set<string>();

  /**
   * Every partition of `group` unowned, at generation 0.
   *
   * @param group the members, cursors, counters and settings of the group
   */
  constructor(group: OwnershipGroup) {
    this.#group = group;
    const partitions = group.cursors;
    this.#owner = partitions.map(() => undefined);
    this.#handoff = partitions.map(() => undefined);
    this.#handoffDeadline = partitions.map(() => 0);
    this.#generation = partitions.map(() => 0);
    this.#homeKey = partitions.map(() => undefined);
    this.#reservedUntil = partitions.map(() => 0);
  }

  /** The generation of each partition (live: it changes as owners do). */
  get generations(): readonly number[] {
    return this.#generation;
  }

  /** Each partition's home key and generation, to persist. */
  state(): OwnershipState {
    return { home: this.#homeKey.map((k) => k ?? null), generations: [...this.#generation] };
  }

  /**
   * Restores persisted ownership (before members join): generations go on
   * from where they were, and each partition waits up to the rejoin grace
   * for its home key.
   */
  restore(state: Partial<OwnershipState>, now: number): void {
    this.#homeKey.forEach((_, p) => {
      const home = state.home?.[p];
      const gen = state.generations?.[p];
      if (typeof home === "string" && home !== "") {
        this.#homeKey[p] = home;
        this.#reservedUntil[p] = now + this.#group.settings.rejoinGraceMs;
      }
      if (Number.isSafeInteger(gen) && gen! > this.#generation[p]) this.#generation[p] = gen!;
    });
  }

  /** The partitions a member owns and receives (not counting ones it is handing off). */
  partitionsOf(memberId: string): number[] {
    const out: number[] = [];
    this.#owner.forEach((o, p) => o === memberId && this.#handoff[p] === undefined && out.push(p));
    return out;
  }

  /** Current owner of each partition (undefined when the group has no members). */
  owners(): (string | undefined)[] {
    return [...this.#owner];
  }

  /** Whether an ack or nack of `partition` from this member (of this generation) is stale. */
  isStale(memberId: string, partition: number, generation: number | undefined): boolean {
    return this.#owner[partition] !== memberId ||
      (generation !== undefined && generation !== this.#generation[partition]);
  }

  /** Whether `partition`'s handoff ran past its deadline (the ack timeout). */
  handoffOverdue(partition: number, now: number): boolean {
    return this.#handoff[partition] !== undefined && now >= this.#handoffDeadline[partition];
  }

  /** A member joined (the caller added it to the members): rebalance. */
  joined(id: string, now: number): void {
    this.#changed.add(id);
    this.#rebalance(now);
  }

  /**
   * A member left (the caller removed it from the members and took back its
   * in-flight messages): its partitions have no owner now, waiting for its
   * key when it has one; then rebalance.
   */
  left(member: Member, now: number): void {
    this.#owner.forEach((o, p) => {
      if (o !== member.id) return;
      this.#setOwner(p, undefined);
      if (member.key !== "") this.#reservedUntil[p] = now + this.#group.settings.rejoinGraceMs;
    });
    this.#changed.delete(member.id);
    this.#rebalance(now);
  }

  /** Ends the reservations whose grace passed, and rebalances when one did. */
  lapseReservations(now: number): void {
    let lapsed = false;
    this.#reservedUntil.forEach((until, p) => {
      if (until === 0 || until > now) return;
      this.#reservedUntil[p] = 0;
      lapsed = true;
    });
    if (lapsed) this.#rebalance(now);
  }

  /** Hands `partition` to its new owner once nothing of it is in flight. */
  maybeFinishHandoff(p: number): void {
    const to = this.#handoff[p];
    if (to === undefined || this.#group.cursors[p].inflight.length > 0) return;
    const from = this.#owner[p];
    this.#setOwner(p, to);
    this.#handoff[p] = undefined;
    this.#changed.add(to);
    if (from) this.#changed.add(from);
  }

  /** Members whose partitions changed since the last call, with their new partitions. */
  takeChanges(): { memberId: string; partitions: number[] }[] {
    const out = [...this.#changed].filter((id) => this.#group.members.has(id))
      .map((memberId) => ({ memberId, partitions: this.partitionsOf(memberId) }));
    this.#changed.clear();
    return out;
  }

  /** Changes a partition's owner; a change starts a new generation. */
  #setOwner(p: number, to: string | undefined): void {
    if (this.#owner[p] === to) return;
    this.#owner[p] = to;
    this.#generation[p]++;
    const key = to === undefined ? "" : this.#group.members.get(to)?.key ?? "";
    if (key !== "") this.#homeKey[p] = key;
    if (to !== undefined) this.#reservedUntil[p] = 0;
  }

  #rebalance(now: number): void {
    const members = this.#group.members;
    const desired = stickyAssignment({
      members: [...members.keys()],
      keyOf: (id) => members.get(id)?.key ?? "",
      current: this.#owner.map((o, p) => this.#handoff[p] ?? o),
      homeKey: this.#homeKey,
      reservedUntil: this.#reservedUntil,
      now,
    });
    this.#group.counters.rebalances++;
    desired.forEach((want, p) => {
      const owner = this.#owner[p];
      if (want === owner) {
        if (this.#handoff[p] !== undefined) this.#changed.add(this.#handoff[p]!);
        this.#handoff[p] = undefined;
        return;
      }
      if (owner === undefined || !members.has(owner)) {
        this.#setOwner(p, want);
        this.#handoff[p] = undefined;
        if (want) this.#changed.add(want);
        return;
      }
      if (this.#handoff[p] !== want) {
        this.#handoff[p] = want;
        this.#handoffDeadline[p] = now + this.#group.settings.ackTimeoutMs;
        this.#changed.add(owner);
      }
      this.maybeFinishHandoff(p);
    });
  }
}

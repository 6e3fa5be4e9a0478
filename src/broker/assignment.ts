/**
 * Sticky, even partition assignment for a consumer group. Pure.
 *
 * @module
 */

/**
 * Assigns `partitions` partitions to `members` (in join order) so that every
 * member owns ⌊P/n⌋ or ⌈P/n⌉ partitions and as few partitions as possible
 * change owner relative to `current`.
 *
 * @param partitions number of partitions
 * @param members member ids in join order; earlier members get the larger shares
 * @param current the present owner of each partition (undefined = none)
 * @returns the new owner of each partition (undefined only when there are no members)
 */
export function assignPartitions(
  partitions: number,
  members: readonly string[],
  current: readonly (string | undefined)[],
): (string | undefined)[] {
  const out: (string | undefined)[] = new Array(partitions).fill(undefined);
  if (members.length === 0) return out;
  const base = Math.floor(partitions / members.length);
  const extra = partitions % members.length;
  const quota = new Map(members.map((m, i) => [m, base + (i < extra ? 1 : 0)]));
  const owned = new Map(members.map((m) => [m, 0]));
  // Keep current owners within their quota.
  for (let p = 0; p < partitions; p++) {
    const owner = current[p];
    if (owner === undefined || !quota.has(owner)) continue;
    if (owned.get(owner)! < quota.get(owner)!) {
      out[p] = owner;
      owned.set(owner, owned.get(owner)! + 1);
    }
  }
  // Hand the rest to members below quota, in join order.
  let m = 0;
  for (let p = 0; p < partitions; p++) {
    if (out[p] !== undefined) continue;
    while (owned.get(members[m])! >= quota.get(members[m])!) m++;
    out[p] = members[m];
    owned.set(members[m], owned.get(members[m])! + 1);
  }
  return out;
}

/** What {@linkcode stickyAssignment} decides from. */
export interface StickyInput {
  /** Member ids in join order. */
  members: readonly string[];
  /** A member's stable key ("" for none). */
  keyOf: (memberId: string) => string;
  /** The present (or incoming, mid-handoff) owner of each partition. */
  current: readonly (string | undefined)[];
  /** The stable key of each partition's last keyed owner. */
  homeKey: readonly (string | undefined)[];
  /** Until when (epoch ms) a partition waits for its home key to rejoin; 0 for not at all. */
  reservedUntil: readonly number[];
  /** The time now, epoch ms. */
  now: number;
}

/**
 * {@linkcode assignPartitions} with static membership: a partition whose
 * owner is gone goes back to the member that has its home key, when that
 * member is present; while its home key is reserved (its member left less
 * than the grace time ago) and absent, nobody gets it.
 *
 * @returns the new owner of each partition (undefined: unowned or reserved)
 */
export function stickyAssignment(input: StickyInput): (string | undefined)[] {
  const { members, current, homeKey, reservedUntil, now } = input;
  const byKey = new Map<string, string>();
  for (const m of members) {
    const k = input.keyOf(m);
    if (k !== "") byKey.set(k, m);
  }
  const present = new Set(members);
  const open: number[] = [];
  const effective: (string | undefined)[] = [];
  current.forEach((owner, p) => {
    const home = homeKey[p] === undefined ? undefined : byKey.get(homeKey[p]!);
    const alive = owner !== undefined && present.has(owner) ? owner : undefined;
    if (alive === undefined && home === undefined && reservedUntil[p] > now) return; // waits
    open.push(p);
    effective.push(alive ?? home);
  });
  const out: (string | undefined)[] = new Array(current.length).fill(undefined);
  assignPartitions(open.length, members, effective).forEach((m, i) => (out[open[i]] = m));
  return out;
}

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

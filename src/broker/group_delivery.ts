/**
 * How a consumer group hands one member its deliveries: round-robin over
 * the member's partitions until its credit or the data runs out. Pure.
 *
 * @module
 */
import type { PartitionCursor } from "./cursor.ts";
import type { GroupCounters, GroupDelivery, Member } from "./group_types.ts";
import type { PartitionLog } from "./partition_log.ts";

/** The group state {@linkcode fillCredit} reads and updates. */
export interface DeliveryPass {
  /** Read position of the group in each partition. */
  cursors: readonly PartitionCursor[];
  /** The topic's partition logs. */
  logs: readonly PartitionLog[];
  /** Ack deadline of what is delivered now. */
  deadline: number;
  /** The group's counters (delivered, redelivered, dropped). */
  counters: GroupCounters;
  /** Each partition's generation, stamped on its deliveries. */
  generation: readonly number[];
  /** Where the deliveries go. */
  out: GroupDelivery[];
}

/**
 * Delivers to member `m` from its partitions `mine`, starting at `rotate`,
 * while it has credit and some partition has work.
 */
export function fillCredit(m: Member, mine: number[], rotate: number, g: DeliveryPass): void {
  const gone = (n: number) => (g.counters.dropped += n);
  let progress = true;
  while (progress) {
    progress = false;
    for (let i = 0; i < mine.length; i++) {
      const p = mine[(i + rotate) % mine.length];
      const room = m.credit.messages - m.inflightMessages;
      if (room <= 0) break;
      const log = g.logs[p];
      const c = g.cursors[p];
      if (!c.hasWork(log)) continue;
      const next = c.retry[0]?.start ?? c.next;
      const blobBytes = log.batchFrom(next)?.bytes ?? 0;
      if (m.inflightBytes > 0 && m.inflightBytes + blobBytes > m.credit.bytes) continue;
      // Whole batches only while something is in flight: a delivery carries
      // its whole blob, so slicing a batch by credit would send it again
      // for every slice (a lagging member would get its data many times
      // over). With nothing in flight a batch larger than the credit goes
      // in credit-sized slices, so it still moves.
      if (m.inflightMessages > 0 && c.nextTakeSize(log) > room) continue;
      const t = c.take(log, room, g.deadline, gone);
      if (!t) continue;
      m.inflightMessages += t.end - t.start;
      m.inflightBytes += t.bytes;
      g.counters.delivered += t.end - t.start;
      if (t.attempt > 1) g.counters.redelivered += t.end - t.start;
      g.out.push({ ...t, memberId: m.id, partition: p, generation: g.generation[p] });
      progress = true;
    }
  }
}

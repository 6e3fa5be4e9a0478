/**
 * The values a consumer group works with: members and their credit, the
 * deliveries and dead ranges it decides, its counters and settings, and the
 * ownership state it persists. Types only.
 *
 * @module
 */
import type { Range, Take } from "./cursor.ts";

/** Flow-control limits of one member. */
export interface Credit {
  /** Most messages in flight. */
  messages: number;
  /** Most blob bytes in flight (one batch may exceed it when nothing else is in flight). */
  bytes: number;
}

/** A member of a group: one subscription of one connection. */
export interface Member {
  /** Member id the broker assigned. */
  readonly id: string;
  /** Stable identity across reconnects ("" for none). */
  readonly key: string;
  /** Messages and bytes the member may still receive. */
  readonly credit: Credit;
  /** Messages delivered to it and not yet acked. */
  inflightMessages: number;
  /** Bytes delivered to it and not yet acked. */
  inflightBytes: number;
}

/** A delivery decided by the group. */
export interface GroupDelivery extends Take {
  /** Member the messages go to. */
  memberId: string;
  /** Partition they come from. */
  partition: number;
  /** The partition's assignment generation the delivery belongs to. */
  generation: number;
}

/** A range that used up its deliveries, with the partition it came from. */
export interface DeadRange extends Range {
  /** Partition of the dead-lettered range. */
  partition: number;
}

/** Counters of one group; every redelivery and dead letter is counted. */
export interface GroupCounters {
  /** Messages delivered, first attempts and redeliveries. */
  delivered: number;
  /** Messages delivered again after an expiry or nack. */
  redelivered: number;
  /** Messages acked. */
  acked: number;
  /** Messages nacked. */
  nacked: number;
  /** Deliveries whose lease ran out. */
  expired: number;
  /** Messages given up on after too many deliveries. */
  deadLettered: number;
  /** Acks of an old generation, ignored. */
  staleAcks: number;
  /** Messages removed from the log before this group consumed them. */
  dropped: number;
  /** Times the partitions were reassigned. */
  rebalances: number;
}

/** Counters of a new group: all zero. */
export function zeroGroupCounters(): GroupCounters {
  return {
    delivered: 0,
    redelivered: 0,
    acked: 0,
    nacked: 0,
    expired: 0,
    deadLettered: 0,
    staleAcks: 0,
    dropped: 0,
    rebalances: 0,
  };
}

/** Settings a group runs with. */
export interface GroupSettings {
  /** Lease on a delivery, in ms. */
  ackTimeoutMs: number;
  /** Deliveries of a message before it is dead-lettered. */
  maxDeliveries: number;
  /** How long a keyed member's partitions wait for it to rejoin, ms. */
  rejoinGraceMs: number;
}

/** Where a partition's ownership stands, for persisting across restarts. */
export interface OwnershipState {
  /** Stable key of the partition's last keyed owner, or null. */
  home: (string | null)[];
  /** Assignment generation of each partition. */
  generations: number[];
}

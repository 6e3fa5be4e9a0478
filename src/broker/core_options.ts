/**
 * Settings of {@linkcode BrokerCore}: the options, their `DEFAULT_*` values
 * and the one function that fills and checks them.
 *
 * @module
 */
import type { Clock } from "../clock.ts";

/** Settings of the broker core. */
export interface BrokerCoreOptions {
  /** Partitions of a new topic. @default {DEFAULT_PARTITIONS} */
  partitions?: number;
  /** Time a delivery may stay unacked before redelivery, ms. @default {DEFAULT_ACK_TIMEOUT_MS} */
  ackTimeoutMs?: number;
  /** Deliveries of a message before it moves to `<topic>.dlq`. @default {DEFAULT_MAX_DELIVERIES} */
  maxDeliveries?: number;
  /** Memory bound per topic, bytes; publishers wait above it. @default {DEFAULT_MAX_TOPIC_BYTES} */
  maxTopicBytes?: number;
  /**
   * In-memory copies of durable batches a persisted topic keeps for its
   * consumers, bytes; older ones are read back from disk. @default {DEFAULT_CACHE_BYTES}
   */
  cacheBytes?: number;
  /**
   * How long the partitions of a member with a stable key wait for it to
   * rejoin after it left (and, after a restart, for their restored owners),
   * ms. @default {DEFAULT_REJOIN_GRACE_MS}
   */
  rejoinGraceMs?: number;
  /** Most topics clients may bring into being (dead-letter topics not counted). @default {DEFAULT_MAX_TOPICS} */
  maxTopics?: number;
  /** Most partitions across all topics. @default {DEFAULT_MAX_PARTITIONS_TOTAL} */
  maxPartitionsTotal?: number;
  /** Time source. */
  clock: Clock;
}

/** Defaults of {@linkcode BrokerCoreOptions}. */
export const DEFAULT_PARTITIONS = 8;
/** Default ack timeout, ms. */
export const DEFAULT_ACK_TIMEOUT_MS = 30_000;
/** Default delivery limit. */
export const DEFAULT_MAX_DELIVERIES = 5;
/** Default memory bound per topic: 256 MiB. */
export const DEFAULT_MAX_TOPIC_BYTES = 256 * 1024 * 1024;
/** Default cache of a persisted topic: 32 MiB. */
export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
/** Default rejoin grace of a keyed member, ms (the default session timeout). */
export const DEFAULT_REJOIN_GRACE_MS = 10_000;
/** Default most topics (dead-letter topics not counted). */
export const DEFAULT_MAX_TOPICS = 64;
/** Default most partitions across all topics. */
export const DEFAULT_MAX_PARTITIONS_TOTAL = 1024;

/** Resolved {@linkcode BrokerCoreOptions}. */
export type ResolvedBrokerCoreOptions = Required<BrokerCoreOptions>;

/**
 * Fills defaults and checks ranges.
 *
 * @throws {RangeError} naming the bad field
 */
export function resolveBrokerCoreOptions(o: BrokerCoreOptions): ResolvedBrokerCoreOptions {
  const r = {
    partitions: o.partitions ?? DEFAULT_PARTITIONS,
    ackTimeoutMs: o.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS,
    maxDeliveries: o.maxDeliveries ?? DEFAULT_MAX_DELIVERIES,
    maxTopicBytes: o.maxTopicBytes ?? DEFAULT_MAX_TOPIC_BYTES,
    cacheBytes: o.cacheBytes ?? DEFAULT_CACHE_BYTES,
    rejoinGraceMs: o.rejoinGraceMs ?? DEFAULT_REJOIN_GRACE_MS,
    maxTopics: o.maxTopics ?? DEFAULT_MAX_TOPICS,
    maxPartitionsTotal: o.maxPartitionsTotal ?? DEFAULT_MAX_PARTITIONS_TOTAL,
    clock: o.clock,
  };
  const int = (field: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`${field} must be an integer in ${min}..${max}, got ${v}`);
    }
  };
  int("partitions", r.partitions, 1, 1024);
  int("ackTimeoutMs", r.ackTimeoutMs, 1, 24 * 3600_000);
  int("maxDeliveries", r.maxDeliveries, 1, 1000);
  int("maxTopicBytes", r.maxTopicBytes, 1024, Number.MAX_SAFE_INTEGER);
  int("cacheBytes", r.cacheBytes, 0, Number.MAX_SAFE_INTEGER);
  int("rejoinGraceMs", r.rejoinGraceMs, 0, 24 * 3600_000);
  int("maxTopics", r.maxTopics, 1, 1_000_000);
  int("maxPartitionsTotal", r.maxPartitionsTotal, 1, 100_000_000);
  return r;
}

/**
 * How a sink numbers its batches: a producer id and a sequence per
 * partition, fresh or continued from a saved {@linkcode ProducerState}.
 * Shared by the gputel broker's publisher and the JetStream sink. Pure.
 *
 * @module
 */
import type { ProducerState } from "./sink.ts";

/** Where a sink starts numbering. */
export interface Numbering {
  /** The producer id. */
  id: string;
  /** Last sequence sealed per partition (the next batch of `p` is `sequences[p] + 1`). */
  sequences: number[];
  /** Why a saved state could not be continued (a fresh producer starts), if so. */
  discarded?: string;
}

/**
 * The numbering to start with: `saved`'s when its partition count matches,
 * otherwise a fresh producer (with the reason).
 *
 * @param saved the saved state, if any
 * @param partitions the topic's partition count
 * @param freshId makes a new producer id
 */
export function startNumbering(
  saved: ProducerState | undefined,
  partitions: number,
  freshId: () => string,
): Numbering {
  const fresh = () => ({ id: freshId(), sequences: new Array(partitions).fill(0) });
  if (saved === undefined) return fresh();
  if (saved.sequences.length === partitions) {
    return { id: saved.id, sequences: [...saved.sequences] };
  }
  return {
    ...fresh(),
    discarded:
      `the topic has ${partitions} partitions, the saved producer numbered ${saved.sequences.length}`,
  };
}

/** A random producer id for the gputel broker: a positive safe integer, as decimal text. */
export function randomBrokerProducerId(): string {
  return String(1 + Math.floor(Math.random() * (Number.MAX_SAFE_INTEGER - 1)));
}

/**
 * The broker's numeric producer id of `id`.
 *
 * @throws {RangeError} when `id` is not a positive safe integer in decimal
 */
export function brokerProducerId(id: string): number {
  const n = Number(id);
  if (!/^[1-9][0-9]*$/.test(id) || !Number.isSafeInteger(n)) {
    throw new RangeError(`producer id must be a positive integer, got ${JSON.stringify(id)}`);
  }
  return n;
}

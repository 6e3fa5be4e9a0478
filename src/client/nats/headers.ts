/**
 * The headers gputel puts on JetStream messages: how many gputel messages a
 * batch holds, and, on dead letters, where they came from.
 *
 * @module
 */
import { headers, type MsgHdrs } from "@nats-io/transport-node";

/** Messages in the batch blob that is the NATS message's payload. */
export const COUNT_HEADER = "Gputel-Count";
/** On a dead letter: the origin, partition, stream sequence and group it failed in. */
export const DEAD_LETTER_HEADER = "Gputel-Dead-Letter";

/** Headers of a batch of `count` messages. */
export function batchHeaders(count: number): MsgHdrs {
  const h = headers();
  h.set(COUNT_HEADER, String(count));
  return h;
}

/**
 * The message count a batch's headers declare.
 *
 * @returns the count, or -1 when the header is missing or not a count
 */
export function batchCount(h: MsgHdrs | undefined): number {
  const text = h?.get(COUNT_HEADER) ?? "";
  return /^[1-9][0-9]{0,6}$/.test(text) ? Number(text) : -1;
}

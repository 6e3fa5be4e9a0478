/**
 * Dead letters: messages that used up their deliveries are appended, as
 * they were published, to the one partition of `<topic>.dlq`.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { sliceBatch } from "../protocol/mod.ts";
import type { DurableLog } from "./durable_log.ts";
import type { Output } from "./output.ts";

/** A dead-letter decision of the core. */
export type DeadLetter = Extract<Output, { kind: "deadletter" }>;

/**
 * Appends messages `[start, end)` of the batch to `<topic>.dlq`. A batch
 * that cannot be read back (corrupt on disk) is skipped; a failed append is
 * logged. Never rejects.
 */
export async function writeDeadLetter(
  log: DurableLog,
  o: DeadLetter,
  logger: Logger,
): Promise<void> {
  try {
    const blob = await log.readBlob(o.batch);
    if (!blob) return;
    const base = o.batch.baseOffset;
    const slice = sliceBatch(blob, o.batch.count, o.start - base, o.end - base);
    await log.append(`${o.topic}.dlq`, 0, slice, o.end - o.start);
  } catch (err) {
    logger.error("could not write a dead letter", { topic: o.topic, error: String(err) });
  }
}

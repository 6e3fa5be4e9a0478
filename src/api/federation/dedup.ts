/**
 * The one answer to "are these two records the same stored row?", used
 * wherever the federated API merges what several collectors return. After a
 * rebalance two collectors of a group can both hold a row; it must come back
 * once.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { originOf } from "../../record/origin.ts";
import type { TelemetryRecord } from "../../record/telemetry_record.ts";

/**
 * The key two copies of one stored row share: the record's origin `_o` (the
 * log, partition and offset it was consumed from, see `record/origin.ts`)
 * when it carries one, otherwise
 * its whole content (GPU, timestamps, metrics, labels), which two copies of
 * one row have alike.
 */
export function recordKey(record: TelemetryRecord): string {
  const origin = originOf(record);
  if (origin !== undefined) return `o:${origin}`;
  const { gpu_id, timestamp, source_timestamp, metrics, labels } = record;
  return `c:${JSON.stringify([gpu_id, timestamp, source_timestamp ?? null, metrics, labels])}`;
}

/** A short digest of {@linkcode recordKey}, small enough to carry in a cursor. */
export function recordDigest(record: TelemetryRecord): string {
  return createHash("sha256").update(recordKey(record), "utf8").digest("base64url").slice(0, 12);
}

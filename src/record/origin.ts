/**
 * A stored record's origin: which published message it was made from, the
 * same whichever member of the group stored it. Stored on every record as
 * `_o: "<log>:<partition>:<offset>"`, where `<log>` is 12 hex digits naming
 * the log the message was published to and the topic (a hash of the
 * delivery's `origin` — the broker's log identity — and the topic name).
 * The broker never hands out an offset twice in one log, so two records with
 * the same `_o` are copies of one message (stored by two members when one
 * lost its lease between checking it and its fdatasync, or by one that
 * crashed after its write and before its ack): every read path keeps one.
 * Pure: no I/O.
 *
 * @module
 */
import { fnv1a32 } from "./hash.ts";
import type { TelemetryRecord } from "./telemetry_record.ts";

const logIds = new Map<string, string>();

/**
 * The `<log>` part of an origin: 12 hex digits of two 32-bit FNV-1a hashes
 * of `origin` and `topic` (48 bits: two different logs collide with odds of
 * about 1 in 2.8·10^14).
 *
 * @param origin the log identity a delivery names (`SourceDelivery.origin`)
 * @param topic the topic consumed
 */
export function logIdOf(origin: string, topic: string): string {
  const name = `${origin}/${topic}`;
  let id = logIds.get(name);
  if (id === undefined) {
    const hex = (n: number) => n.toString(16).padStart(8, "0");
    id = (hex(fnv1a32(name)) + hex(fnv1a32(`\u0001${name}`))).slice(0, 12);
    if (logIds.size > 1000) logIds.clear();
    logIds.set(name, id);
  }
  return id;
}

/** The `_o` value of the message at `offset` of `partition` in log `logId`. */
export function formatOrigin(logId: string, partition: number, offset: number): string {
  return `${logId}:${partition}:${offset}`;
}

/** A record's origin, or undefined for records stored before origins existed. */
export function originOf(record: TelemetryRecord): string | undefined {
  return typeof record._o === "string" ? record._o : undefined;
}

/**
 * Keeps the first item of each origin, in the given order (items without an
 * origin are all kept). For any reader that merges records from several
 * collectors — several dirs, or several APIs — sorted so that copies of one
 * message meet (they share their timestamp).
 *
 * @param items the items, in the order of preference
 * @param recordOf the record of an item
 * @param seen origins already given out (on an earlier page); updated
 * @example
 * ```ts
 * const unique = uniqueByOrigin(pages.flat(), (r) => r);
 * ```
 */
export function uniqueByOrigin<T>(
  items: readonly T[],
  recordOf: (item: T) => TelemetryRecord,
  seen: Set<string> = new Set(),
): T[] {
  const out: T[] = [];
  for (const item of items) {
    const o = originOf(recordOf(item));
    if (o !== undefined) {
      if (seen.has(o)) continue;
      seen.add(o);
    }
    out.push(item);
  }
  return out;
}

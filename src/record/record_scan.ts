/**
 * The fast path of `decodePayload` for the record payloads `gputel stream`
 * publishes: `JSON.stringify` of a record, whose shape is known (keys in
 * order `gpu_id`, `timestamp`, `source_timestamp`?, `metrics`, `labels`;
 * printable ASCII strings without escapes; no whitespace). One pass over the
 * text checks it and reads what the collector needs (the time, the metrics,
 * the identity labels) without `JSON.parse` building the whole record, which
 * only the memory window's reads need (they parse the stored JSON back).
 *
 * It never refuses: anything it is not sure of (an escape, non-ASCII text,
 * whitespace, another key order, `null`, a limit reached, a bad time, a
 * foreign key) it leaves to the full path, which accepts or refuses it as
 * before. Pure: no I/O.
 *
 * @module
 */

import { keyProblem, LIMITS } from "./limits.ts";
import { parseRfc3339 } from "./rfc3339.ts";
import { isPlainAscii } from "./utf8.ts";
import type { MetricValue, RecordSummary } from "./telemetry_record.ts";

/** What {@linkcode scanRecordPayload} read. */
export interface ScannedRecord {
  /** The record's key, time, metrics and identity labels (no other label). */
  summary: RecordSummary;
  /** `summary.timestamp` in epoch ms. */
  ts: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const IDENTITY = ["hostname", "gpu_index", "model"] as const;

// The identity label named by the text's [from, to), if it is one.
function identityName(t: string, from: number, to: number): string | undefined {
  for (const name of IDENTITY) {
    if (to - from === name.length && t.startsWith(name, from)) return name;
  }
  return undefined;
}

// Thrown inside the scan when the text is not of the known shape; caught by
// scanRecordPayload, never escapes it.
const NOT_SURE = Symbol("not sure");

/**
 * Reads a record payload when it is of the shape `gputel stream` publishes
 * and `decodePayload` would accept: the result is what the full path gives
 * (the same time, metrics, identity labels), or `undefined` when the full
 * path must decide.
 *
 * @param key the broker message key
 * @param bytes the payload
 * @param text the payload's text (its UTF-8 decoding)
 */
export function scanRecordPayload(
  key: string,
  bytes: Uint8Array,
  text: string,
): ScannedRecord | undefined {
  if (typeof key !== "string" || keyProblem(key) !== undefined) return undefined;
  // A message payload ({timestamp, fields}) is not even tried; nor are bytes
  // with a control character (raw in a string, JSON.parse refuses it), a
  // backslash (escapes) or non-ASCII (or a byte order mark): strings are then
  // the characters between two quotes.
  if (!text.startsWith('{"gpu_id":') || text.length !== bytes.length || !isPlainAscii(bytes)) {
    return undefined;
  }
  try {
    return new Scan(text).record(key);
  } catch (error) {
    if (error === NOT_SURE) return undefined;
    throw error;
  }
}

class Scan {
  readonly #t: string;
  #at = 0;
  #from = 0;
  #names = 0;

  constructor(text: string) {
    this.#t = text;
  }

  record(key: string): ScannedRecord {
    this.#byte(OPEN);
    this.#key('"gpu_id":');
    const to = this.#string();
    if (to - this.#from !== key.length || !this.#t.startsWith(key, this.#from)) throw NOT_SURE;
    this.#key(',"timestamp":');
    const timestamp = this.#stringValue();
    const ts = parseRfc3339(timestamp);
    if (ts === undefined) throw NOT_SURE;
    if (this.#t.startsWith(',"source_timestamp":', this.#at)) {
      this.#at += 20;
      if (parseRfc3339(this.#stringValue()) === undefined) throw NOT_SURE;
    }
    this.#key(',"metrics":');
    const metrics = this.#metrics();
    this.#key(',"labels":');
    const labels = this.#labels();
    this.#byte(CLOSE);
    if (this.#at !== this.#t.length) throw NOT_SURE;
    return { summary: { gpu_id: key, timestamp, metrics, labels }, ts };
  }

  #metrics(): Record<string, MetricValue> {
    const metrics: Record<string, MetricValue> = {};
    this.#byte(OPEN);
    do {
      const name = this.#name();
      metrics[name] = this.#value();
    } while (this.#next(COMMA));
    this.#byte(CLOSE);
    return metrics;
  }

  #labels(): Record<string, string> {
    const labels: Record<string, string> = {};
    this.#byte(OPEN);
    if (this.#next(CLOSE)) return labels;
    do {
      const to = this.#string();
      const name = identityName(this.#t, this.#from, to);
      this.#countName(to - this.#from);
      this.#byte(COLON);
      // Only the identity labels are read; the others are checked.
      if (name === undefined) this.#string();
      else labels[name] = this.#stringValue();
    } while (this.#next(COMMA));
    this.#byte(CLOSE);
    return labels;
  }

  // A metric name: a string, then a colon.
  #name(): string {
    const name = this.#stringValue();
    this.#countName(name.length);
    this.#byte(COLON);
    if (name === "__proto__") throw NOT_SURE;
    return name;
  }

  #countName(length: number): void {
    if (length === 0 || length > LIMITS.maxNameLength || ++this.#names > LIMITS.maxFields) {
      throw NOT_SURE;
    }
  }

  // A metric value: a string, a finite number, true or false.
  #value(): MetricValue {
    const c = this.#t.charCodeAt(this.#at);
    if (c === QUOTE) return this.#stringValue();
    if (this.#t.startsWith("true", this.#at)) return this.#literal(4, true);
    if (this.#t.startsWith("false", this.#at)) return this.#literal(5, false);
    return this.#number();
  }

  #literal(length: number, value: boolean): boolean {
    this.#at += length;
    return value;
  }

  // JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  #number(): number {
    const t = this.#t;
    const from = this.#at;
    let i = from;
    if (t.charCodeAt(i) === 0x2d) i++;
    if (t.charCodeAt(i) === 0x30) i++;
    else if (isDigit19(t.charCodeAt(i))) i = digits(t, i + 1);
    else throw NOT_SURE;
    let hasFraction = false;
    if (t.charCodeAt(i) === 0x2e) {
      if (!isDigit(t.charCodeAt(i + 1))) throw NOT_SURE;
      i = digits(t, i + 1);
      hasFraction = true;
    }
    const e = t.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      hasFraction = true;
      i++;
      const sign = t.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      if (!isDigit(t.charCodeAt(i))) throw NOT_SURE;
      i = digits(t, i + 1);
    }
    this.#at = i;
    // A short integer is summed digit by digit (exact below 2^53): no slice.
    if (i - from <= 15 && !hasFraction) return integerOf(t, from, i);
    const value = Number(t.slice(from, i));
    if (!Number.isFinite(value)) throw NOT_SURE;
    return value;
  }

  // A string (the text holds no escape: see scanRecordPayload): its contents are
  // [#from, the index returned) (no tuple: the scan allocates only what it
  // returns).
  #string(): number {
    const t = this.#t;
    if (t.charCodeAt(this.#at) !== QUOTE) throw NOT_SURE;
    const from = this.#at + 1;
    const to = t.indexOf('"', from);
    if (to === -1) throw NOT_SURE;
    this.#from = from;
    this.#at = to + 1;
    return to;
  }

  // The contents of the string that starts here.
  #stringValue(): string {
    const to = this.#string();
    return this.#t.slice(this.#from, to);
  }

  #key(literal: string): void {
    if (!this.#t.startsWith(literal, this.#at)) throw NOT_SURE;
    this.#at += literal.length;
  }

  #byte(c: number): void {
    if (this.#t.charCodeAt(this.#at) !== c) throw NOT_SURE;
    this.#at++;
  }

  #next(c: number): boolean {
    if (this.#t.charCodeAt(this.#at) !== c) return false;
    this.#at++;
    return true;
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isDigit19 = (c: number) => c >= 0x31 && c <= 0x39;

function digits(t: string, i: number): number {
  while (isDigit(t.charCodeAt(i))) i++;
  return i;
}

// The integer written in [from, to): an optional minus, then digits. -0 for "-0", as JSON.parse.
function integerOf(t: string, from: number, to: number): number {
  const negative = t.charCodeAt(from) === 0x2d;
  let value = 0;
  for (let i = negative ? from + 1 : from; i < to; i++) value = value * 10 + t.charCodeAt(i) - 0x30;
  return negative ? -value : value;
}

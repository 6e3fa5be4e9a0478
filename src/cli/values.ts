/**
 * Parsers for the value types of gputel flags other than durations and sizes.
 * Each takes the raw text and returns the typed value or throws `RangeError`.
 *
 * @module
 */

import type { HostPort, RowFilter, Shard } from "./options.ts";

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NAME = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Parses a decimal integer (digits only: no sign, no exponent) in `min..max`.
 *
 * @throws {RangeError} when `text` is not such an integer
 */
export function parseIntInRange(text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new RangeError(`Not an integer from ${min} to ${max}: "${text}"`);
  }
  return value;
}

/**
 * Parses a finite decimal number >= `min` (`1`, `0.5`, `.5`, `2e3`; no sign, no hex).
 *
 * @throws {RangeError} when `text` is not such a number
 */
export function parseNumberAtLeast(text: string, min: number): number {
  const value = DECIMAL.test(text) ? Number(text) : NaN;
  if (!(Number.isFinite(value) && value >= min)) {
    throw new RangeError(`Not a number >= ${min}: "${text}"`);
  }
  return value;
}

/**
 * Parses a boolean: `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`, any case.
 *
 * @throws {RangeError} for anything else
 */
export function parseBool(text: string): boolean {
  const lower = text.toLowerCase();
  if (["true", "1", "yes", "on"].includes(lower)) return true;
  if (["false", "0", "no", "off"].includes(lower)) return false;
  throw new RangeError(`Not a boolean: "${text}"`);
}

/**
 * Parses a host to listen on or connect to: a name or IP address, not empty,
 * without whitespace, `/` or brackets.
 *
 * @throws {RangeError} when `text` is not such a host
 */
export function parseHost(text: string): string {
  if (!/^[^\s/[\]]+$/.test(text)) throw new RangeError(`Not a host: "${text}"`);
  return text;
}

/**
 * Parses `HOST:PORT` or `[IPV6]:PORT` with a port in 1..65535.
 *
 * @returns the host (IPv6 without brackets) and port
 * @throws {RangeError} when `text` is not such an address
 *
 * @example
 * ```ts
 * parseHostPort("[::1]:9000"); // { host: "::1", port: 9000 }
 * ```
 */
export function parseHostPort(text: string): HostPort {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s/[\]:]+)):(\d+)$/.exec(text);
  if (match === null) throw new RangeError(`Not HOST:PORT: "${text}"`);
  const port = parseIntInRange(match[3], 1, 65535);
  return { host: match[1] ?? match[2], port };
}

/**
 * Parses a name used for topics, groups and member ids (and so in file and
 * directory names): 1..200 of `A-Z a-z 0-9 . _ -`, not `.` or `..`.
 *
 * @throws {RangeError} when `text` is not such a name
 */
export function parseName(text: string): string {
  if (!NAME.test(text) || text === "." || text === "..") {
    throw new RangeError(`Not a name: "${text}"`);
  }
  return text;
}

/**
 * Makes a valid {@linkcode parseName} name from any text (e.g. a host name):
 * characters outside the name alphabet become `-`; empty text becomes `gputel`.
 */
export function toName(text: string): string {
  const name = text.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 200);
  return name === "" || name === "." || name === ".." ? "gputel" : name;
}

/**
 * Parses a non-empty string (a path, a column name).
 *
 * @throws {RangeError} when `text` is empty
 */
export function parseNonEmpty(text: string): string {
  if (text === "") throw new RangeError("Empty value");
  return text;
}

/**
 * Parses `COLUMN=VALUE`, split at the first `=`; COLUMN is not empty, VALUE may be.
 *
 * @throws {RangeError} when there is no `=` or COLUMN is empty
 */
export function parseRowFilter(text: string): RowFilter {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new RangeError(`Not COLUMN=VALUE: "${text}"`);
  return { column: text.slice(0, eq), value: text.slice(eq + 1) };
}

/**
 * Parses `K/N` with integers 1 <= K <= N <= 65535.
 *
 * @throws {RangeError} when `text` is not such a pair
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (match === null) throw new RangeError(`Not K/N: "${text}"`);
  const count = parseIntInRange(match[2], 1, 65535);
  const index = parseIntInRange(match[1], 1, count);
  return { index, count };
}

/**
 * Strict RFC 3339 date-time parsing. `Date.parse` accepts far more than
 * RFC 3339 (and rolls a 13th month over silently), so the collector and the
 * query API use this instead.
 *
 * @module
 */

/** The longest RFC 3339 string accepted (a 9-digit fraction and an offset fit). */
export const MAX_RFC3339_LENGTH = 40;

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Parses an RFC 3339 date-time (`2026-11-27T17:00:00.123Z`,
 * `2026-11-27T18:00:00+01:00`) to epoch milliseconds. The fraction is kept
 * below the millisecond (as a fractional number), so equal strings give equal
 * numbers and finer strings still order correctly.
 *
 * A leap second (`:60`) is accepted and lands on the next minute's first
 * millisecond range, as `Date` would.
 *
 * @param text the string to parse
 * @returns epoch milliseconds, or `undefined` when `text` is not a valid
 *   RFC 3339 date-time (bad shape, 13th month, 30 February, hour 24, over
 *   {@linkcode MAX_RFC3339_LENGTH} characters, …)
 *
 * @example
 * ```ts
 * parseRfc3339("1970-01-01T00:00:01.5Z"); // 1500
 * parseRfc3339("2026-13-01T00:00:00Z"); // undefined
 * ```
 */
export function parseRfc3339(text: string): number | undefined {
  // Messages of one batch mostly share a few timestamps: remember recent ones.
  const known = recent.get(text);
  if (known !== undefined) return known;
  const value = parse(text);
  if (value !== undefined) {
    if (recent.size >= RECENT_LIMIT) recent.clear();
    recent.set(text, value);
  }
  return value;
}

const RECENT_LIMIT = 64;
const recent = new Map<string, number>();

function parse(text: string): number | undefined {
  if (typeof text !== "string" || text.length > MAX_RFC3339_LENGTH) return undefined;
  const m = PATTERN.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12) return undefined;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > monthDays) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== "Z" && zone !== "z") {
    const offHours = Number(zone.slice(1, 3));
    const offMinutes = Number(zone.slice(4, 6));
    if (offHours > 23 || offMinutes > 59) return undefined;
    offsetMinutes = (offHours * 60 + offMinutes) * (zone[0] === "-" ? -1 : 1);
  }
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (year < 100) {
    // Date.UTC maps years 0-99 to 1900-1999.
    const date = new Date(ms);
    date.setUTCFullYear(year);
    ms = date.getTime();
  }
  const fraction = m[7] === undefined ? 0 : Number(`0${m[7]}`) * 1000;
  return ms - offsetMinutes * 60_000 + fraction;
}

/**
 * Formats epoch milliseconds as an RFC 3339 UTC string with milliseconds.
 *
 * @throws {RangeError} when `ms` is outside the range `Date` can represent
 */
export function formatRfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

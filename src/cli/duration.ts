/**
 * Duration strings (`500ms`, `10s`, `5m`, `1h`, `1h30m`, `1.5s`) to
 * milliseconds.
 *
 * @module
 */

/** The longest duration accepted: the longest a timer can wait, 2^31 - 1 ms (about 24.8 days). */
export const MAX_DURATION_MS = 2_147_483_647;

const UNIT_MS: Readonly<Record<string, bigint>> = { ms: 1n, s: 1_000n, m: 60_000n, h: 3_600_000n };
const PART = /(\d+)(?:\.(\d+))?(ms|s|m|h)/y;

/**
 * Parses a duration into whole milliseconds.
 *
 * Accepted: one or more `<number><unit>` parts with unit `ms`, `s`, `m` or `h`
 * (`500ms`, `10s`, `1.5s`, `1h30m`), and the bare number `0`. Any other bare
 * number is refused, so `--linger 5` cannot silently mean five seconds.
 *
 * @param text the duration, e.g. `"500ms"`
 * @returns the duration in milliseconds, an integer in 0..{@linkcode MAX_DURATION_MS}
 * @throws {RangeError} when `text` is not a duration, has no unit, is not a
 *   whole number of milliseconds, or is longer than {@linkcode MAX_DURATION_MS}
 *
 * @example
 * ```ts
 * parseDuration("500ms"); // 500
 * parseDuration("1h30m"); // 5_400_000
 * ```
 */
export function parseDuration(text: string): number {
  if (text === "0") return 0;
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    throw new RangeError(`Duration "${text}" needs a unit: ms, s, m or h (e.g. "${text}s")`);
  }
  let numerator = 0n; // in ms * 10^scale
  let scale = 0;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const match = PART.exec(text);
    if (match === null) break;
    const [, whole, fraction = "", unit] = match;
    // Bring both sides to the larger number of decimal places, then add.
    const partScale = fraction.length;
    const part = BigInt(whole + fraction) * UNIT_MS[unit];
    const common = Math.max(scale, partScale);
    numerator = numerator * 10n ** BigInt(common - scale) +
      part * 10n ** BigInt(common - partScale);
    scale = common;
    pos = PART.lastIndex;
  }
  if (text.length === 0 || pos !== text.length) {
    throw new RangeError(`Not a duration: "${text}" (expected e.g. 500ms, 10s, 5m, 1h)`);
  }
  const divisor = 10n ** BigInt(scale);
  if (numerator % divisor !== 0n) {
    throw new RangeError(`Duration "${text}" is not a whole number of milliseconds`);
  }
  const ms = numerator / divisor;
  if (ms > BigInt(MAX_DURATION_MS)) {
    throw new RangeError(`Duration "${text}" is longer than ${MAX_DURATION_MS} ms`);
  }
  return Number(ms);
}

const FORMAT_UNITS: readonly (readonly [string, number])[] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000],
  ["ms", 1],
];

/**
 * Writes `ms` the way a user would type it, in the largest unit that holds it
 * whole: `10000` → `"10s"`, `2678400000` → `"31d"`, `0` → `"0"`. Help shows
 * defaults this way. Whole days come out as `d`, which only the flags that
 * take days (`--max-window`) parse back.
 *
 * @param ms a whole number of milliseconds, >= 0
 * @throws {RangeError} when `ms` is negative or not whole
 *
 * @example
 * ```ts
 * formatDuration(1_500); // "1500ms"
 * formatDuration(300_000); // "5m"
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`Not a whole, non-negative number of ms: ${ms}`);
  }
  if (ms === 0) return "0";
  const [unit, size] = FORMAT_UNITS.find(([, size]) => ms % size === 0)!;
  return `${ms / size}${unit}`;
}

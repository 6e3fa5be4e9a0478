/**
 * Byte-size strings (`64MiB`, `1GB`, `1048576`) to a number of bytes.
 *
 * @module
 */

const UNIT_BYTES: Readonly<Record<string, bigint>> = {
  "": 1n,
  b: 1n,
  kb: 1_000n,
  mb: 1_000_000n,
  gb: 1_000_000_000n,
  tb: 1_000_000_000_000n,
  kib: 1n << 10n,
  mib: 1n << 20n,
  gib: 1n << 30n,
  tib: 1n << 40n,
};
const SIZE = /^(\d+)(?:\.(\d+))?\s*([a-z]*)$/i;

/**
 * Parses a size into whole bytes.
 *
 * A bare integer is bytes. Units are case-insensitive: `B`; decimal `KB`,
 * `MB`, `GB`, `TB` (powers of 1000); binary `KiB`, `MiB`, `GiB`, `TiB` (powers
 * of 1024). A fraction is allowed when the result is whole bytes (`1.5KiB`).
 *
 * @param text the size, e.g. `"64MiB"`
 * @returns the size in bytes, an integer in 0..`Number.MAX_SAFE_INTEGER`
 * @throws {RangeError} when `text` is not a size, names an unknown unit, is
 *   not a whole number of bytes, or exceeds `Number.MAX_SAFE_INTEGER`
 *
 * @example
 * ```ts
 * parseSize("64MiB"); // 67_108_864
 * parseSize("1GB"); // 1_000_000_000
 * ```
 */
export function parseSize(text: string): number {
  const match = SIZE.exec(text);
  const unit = match ? UNIT_BYTES[match[3].toLowerCase()] : undefined;
  if (match === null || unit === undefined) {
    throw new RangeError(`Not a size: "${text}" (expected e.g. 1048576, 64MiB, 1GB)`);
  }
  const [, whole, fraction = ""] = match;
  const numerator = BigInt(whole + fraction) * unit;
  const divisor = 10n ** BigInt(fraction.length);
  if (numerator % divisor !== 0n) {
    throw new RangeError(`Size "${text}" is not a whole number of bytes`);
  }
  const bytes = numerator / divisor;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`Size "${text}" is larger than ${Number.MAX_SAFE_INTEGER} bytes`);
  }
  return Number(bytes);
}

const FORMAT_UNITS: readonly (readonly [string, number])[] = [
  ["TiB", 2 ** 40],
  ["GiB", 2 ** 30],
  ["MiB", 2 ** 20],
  ["KiB", 2 ** 10],
];

/**
 * Writes `bytes` the way a user would type it: in the largest binary unit
 * that holds it whole (`65536` → `"64KiB"`), else as a bare number of bytes
 * (`1000` → `"1000"`, `0` → `"0"`). {@linkcode parseSize} reads it back.
 *
 * @param bytes a whole number of bytes, >= 0
 * @throws {RangeError} when `bytes` is negative or not whole
 *
 * @example
 * ```ts
 * formatSize(67_108_864); // "64MiB"
 * ```
 */
export function formatSize(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`Not a whole, non-negative number of bytes: ${bytes}`);
  }
  const unit = bytes === 0 ? undefined : FORMAT_UNITS.find(([, size]) => bytes % size === 0);
  return unit === undefined ? String(bytes) : `${bytes / unit[1]}${unit[0]}`;
}

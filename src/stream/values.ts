/**
 * Type detection for CSV cell values: the one place that decides whether
 * `"42"` is a number, `"true"` a boolean, or `"N/A"` a string.
 *
 * @module
 */

import type { FieldValue } from "../record/message.ts";

/**
 * A decimal number: optional sign, integer part without leading zeros (or a
 * bare fraction such as `.5`), optional fraction, optional exponent.
 */
const NUMBER_RE = /^[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** An integer literal (no fraction, no exponent): checked against 2^53. */
const INTEGER_RE = /^[+-]?[0-9]+$/;

const SPACE = 0x20;
const TAB = 0x09;

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

/**
 * Turns one raw CSV cell into a typed value.
 *
 * Rules, in order:
 * - Spaces and tabs around the value are removed (`nvidia-smi --format=csv`
 *   writes `0, 45, 87`). An empty or blank value returns `undefined`: the
 *   caller omits the field.
 * - `true` / `false` in any letter case become booleans.
 * - A finite decimal number becomes a `number`: `0`, `-3`, `+7`, `1.5`,
 *   `.5`, `1.`, `6.02e23`, `-1E-3`. Integers beyond ±2^53−1 stay strings,
 *   since converting them would silently change the digits.
 * - Everything else stays a string, including `N/A`, `0x1F`, `1e`, `1,5`,
 *   `Infinity`, `NaN`, and integers with leading zeros such as `007` or
 *   `00`: those are identifiers whose zeros matter (a lone `0` and decimals
 *   such as `0.5` are numbers).
 *
 * @param raw the cell text as read from the file
 * @returns the typed value, or `undefined` for an empty cell
 *
 * @example
 * ```ts
 * detectValue("7"); // 7
 * detectValue("TRUE"); // true
 * detectValue("N/A"); // "N/A"
 * detectValue(""); // undefined
 * ```
 */
export function detectValue(raw: string): FieldValue | undefined {
  let text = raw;
  const n = text.length;
  if (n === 0) return undefined;
  if (isBlank(text.charCodeAt(0)) || isBlank(text.charCodeAt(n - 1))) {
    text = text.replace(/^[ \t]+|[ \t]+$/g, "");
    if (text.length === 0) return undefined;
  }
  const first = text.charCodeAt(0);
  // Fast exit for the common case of text that cannot be a number or boolean.
  const maybeNumber = (first >= 0x30 && first <= 0x39) || first === 0x2d || first === 0x2b ||
    first === 0x2e;
  if (!maybeNumber) {
    if (text.length === 4 || text.length === 5) {
      const lower = text.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
    }
    return text;
  }
  if (!NUMBER_RE.test(text)) return text;
  const value = Number(text);
  if (!Number.isFinite(value)) return text;
  if (!Number.isSafeInteger(value) && INTEGER_RE.test(text)) return text;
  return value === 0 ? 0 : value; // folds -0 into 0
}

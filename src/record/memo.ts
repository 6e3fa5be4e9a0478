/**
 * A bounded memo for pure string functions whose inputs repeat: a DCGM
 * stream repeats the same column names and the same `labels_raw` text for
 * every sample of a GPU and metric. Holds at most `capacity` results and
 * starts over when full. Pure: no I/O.
 *
 * @module
 */

/**
 * Memoizes `fn` for up to `capacity` distinct inputs.
 *
 * @param fn a pure function; its results are shared, so they must never be changed
 * @param capacity inputs remembered before the memo starts over
 * @throws {RangeError} when `capacity` is not an integer >= 1
 *
 * @example
 * ```ts
 * const lower = memoize((s: string) => s.toLowerCase(), 1024);
 * lower("Hostname"); // "hostname", computed once
 * ```
 */
export function memoize<T>(fn: (input: string) => T, capacity: number): (input: string) => T {
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new RangeError(`memoize: capacity must be an integer >= 1, got ${capacity}`);
  }
  const results = new Map<string, T>();
  return (input) => {
    let result = results.get(input);
    if (result === undefined && !results.has(input)) {
      if (results.size >= capacity) results.clear();
      result = fn(input);
      results.set(input, result);
    }
    return result as T;
  };
}

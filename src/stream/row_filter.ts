/**
 * Row selection for `gputel stream`: `--filter COLUMN=VALUE` (repeatable:
 * filters on different columns must all match, filters on one column are
 * alternatives) and `--shard K/N` (this streamer takes the GPUs whose key
 * hashes to share K of N). Pure; `src/cli` parses the flags.
 *
 * @module
 */

import type { FieldValue } from "../record/message.ts";
import { fnv1a32 } from "../record/hash.ts";
import { detectValue } from "./values.ts";

/** One `--filter COLUMN=VALUE`. */
export interface RowFilter {
  /** Column name, as in the header. */
  column: string;
  /** Expected value, as written on the command line. */
  value: string;
}

/** One `--shard K/N`: this process takes share `index` of `count`. */
export interface Shard {
  /** K, one-based: 1..count. */
  index: number;
  /** N, at least 1. */
  count: number;
}

/**
 * Whether a row passes the filters: for every column named by a filter, one
 * of that column's filters matches. A field matches when its text equals
 * the filter's value (`gpu_id=0` matches the number 0, `Hostname=a` the
 * string "a") or when both mean the same value after type detection
 * (`value=1.50` matches 1.5, `ok=TRUE` matches true). A filter with an
 * empty value matches rows where the column is empty or missing.
 *
 * @param fields the row's non-empty fields
 * @param filters AND across columns, OR within a column; none means every row passes
 */
export function matchesFilters(
  fields: Readonly<Record<string, FieldValue>>,
  filters: readonly RowFilter[],
): boolean {
  if (filters.length === 0) return true;
  const columns = new Set(filters.map((f) => f.column));
  for (const column of columns) {
    if (!filters.some((f) => f.column === column && matchesOne(fields, f))) return false;
  }
  return true;
}

function matchesOne(fields: Readonly<Record<string, FieldValue>>, filter: RowFilter): boolean {
  if (!Object.hasOwn(fields, filter.column)) return detectValue(filter.value) === undefined;
  const actual = fields[filter.column];
  return String(actual) === filter.value || actual === detectValue(filter.value);
}

/**
 * Whether a GPU key belongs to a shard: `fnv1a32(key) % count === index - 1`.
 * Stable across runs and machines, so N streamers given 1/N … N/N split
 * the GPUs between them with no overlap and no gap.
 *
 * @param key the GPU key
 * @param shard the shard, or `undefined` for "every key"
 */
export function inShard(key: string, shard: Shard | undefined): boolean {
  return shard === undefined || fnv1a32(key) % shard.count === shard.index - 1;
}

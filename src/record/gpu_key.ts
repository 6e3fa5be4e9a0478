/**
 * Which GPU a row is about. The key picks the broker partition and the
 * collector's per-GPU file, so it must identify one physical GPU.
 *
 * @module
 */

import type { FieldValue } from "./message.ts";

/**
 * Columns that hold a GPU's UUID, in order of preference. DCGM writes
 * `uuid`; its Prometheus labels say `UUID`; some exports say `gpu_uuid`.
 */
export const GPU_UUID_COLUMNS: readonly string[] = ["uuid", "UUID", "gpu_uuid"];

/**
 * The per-host GPU index column, used only when no UUID column is present.
 * It repeats on every host (0–7), so a multi-host file keyed by it would
 * merge GPUs; that is why a UUID wins whenever there is one.
 */
export const GPU_INDEX_COLUMN = "gpu_id";

/**
 * Returns the GPU key of a row: the first present of `uuid`, `UUID`,
 * `gpu_uuid`, else `gpu_id`, as a string (`0` → `"0"`). With `keyColumn`
 * (the `--key COLUMN` override) only that column is looked at.
 *
 * @param fields the row's non-empty fields
 * @param keyColumn a column that overrides the default choice
 * @returns the key, or `undefined` when the row has none
 * @throws {RangeError} when `keyColumn` is the empty string
 *
 * @example
 * ```ts
 * gpuKeyOf({ gpu_id: 3, uuid: "GPU-5fd4…" }); // "GPU-5fd4…"
 * gpuKeyOf({ gpu_id: 3 }); // "3"
 * gpuKeyOf({ gpu_id: 3, host: "a" }, "host"); // "a"
 * ```
 */
export function gpuKeyOf(
  fields: Readonly<Record<string, FieldValue>>,
  keyColumn?: string,
): string | undefined {
  if (keyColumn !== undefined) {
    if (keyColumn === "") throw new RangeError("keyColumn must be a non-empty column name");
    return keyText(fields, keyColumn);
  }
  for (const column of GPU_UUID_COLUMNS) {
    const key = keyText(fields, column);
    if (key !== undefined) return key;
  }
  return keyText(fields, GPU_INDEX_COLUMN);
}

function keyText(fields: Readonly<Record<string, FieldValue>>, column: string): string | undefined {
  if (!Object.hasOwn(fields, column)) return undefined;
  const key = String(fields[column]);
  return key === "" ? undefined : key;
}

/**
 * Explains why a row has no key, for logs and skip counters.
 *
 * @param keyColumn the `--key` override, if any
 */
export function noKeyReason(keyColumn?: string): string {
  return keyColumn === undefined
    ? `row has none of the GPU key columns ${
      [...GPU_UUID_COLUMNS, GPU_INDEX_COLUMN].join(", ")
    } (use --key COLUMN to pick one)`
    : `row has no value in the key column ${keyColumn}`;
}

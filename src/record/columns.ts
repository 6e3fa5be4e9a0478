/**
 * The columns that say where a sample comes from, in one table: which GPU
 * a row is about (its key: the broker partition and the collector's GPU
 * file) and the identity columns (host, GPU, model, container…) that become
 * a record's labels, never its metrics. Pure: no I/O.
 *
 * @module
 */

import type { FieldValue } from "./message.ts";
import { memoize } from "./memo.ts";
import { parsePromLabels } from "./prom_labels.ts";

// What a column is for in the GPU key: a UUID (preferred, in table order),
// or the per-host index used only when no UUID column is present.
type KeyPart = "uuid" | "index";

// The identity columns, compared lower-cased: the label each becomes (`null`:
// consumed specially, labels_raw), whether it claims its label before the
// others (`first`, in table order, so `Hostname` beats `host` and `gpu_id`
// beats `gpu` whatever the column order), and its part in the GPU key with
// the exact names the key looks for.
const COLUMNS: readonly {
  column: string;
  label: string | null;
  first?: true;
  key?: { part: KeyPart; names: readonly string[] };
}[] = [
  { column: "hostname", label: "hostname", first: true },
  { column: "host", label: "hostname", first: true },
  { column: "gpu_id", label: "gpu_index", first: true, key: { part: "index", names: ["gpu_id"] } },
  { column: "gpu", label: "gpu_index", first: true },
  { column: "gpu_index", label: "gpu_index", first: true },
  { column: "modelname", label: "model", first: true },
  { column: "model", label: "model", first: true },
  { column: "model_name", label: "model", first: true },
  { column: "gpu_name", label: "model", first: true },
  // DCGM writes `uuid`; its Prometheus labels say `UUID`.
  { column: "uuid", label: "uuid", first: true, key: { part: "uuid", names: ["uuid", "UUID"] } },
  { column: "gpu_uuid", label: "uuid", first: true, key: { part: "uuid", names: ["gpu_uuid"] } },
  { column: "device", label: "device" },
  { column: "container", label: "container" },
  { column: "pod", label: "pod" },
  { column: "namespace", label: "namespace" },
  { column: "instance", label: "instance" },
  { column: "job", label: "job" },
  { column: "pci_bus_id", label: "pci_bus_id" },
  { column: "serial", label: "serial" },
  { column: "driver_version", label: "driver_version" },
  { column: "dcgm_fi_driver_version", label: "driver_version" },
  { column: "labels_raw", label: null },
];

const keyNames = (part: KeyPart): string[] =>
  COLUMNS.flatMap((c) => c.key?.part === part ? c.key.names : []);

/**
 * Columns that hold a GPU's UUID, in order of preference. DCGM writes
 * `uuid`; its Prometheus labels say `UUID`; some exports say `gpu_uuid`.
 */
export const GPU_UUID_COLUMNS: readonly string[] = keyNames("uuid");

/**
 * The per-host GPU index column, used only when no UUID column is present.
 * It repeats on every host (0–7), so a multi-host file keyed by it would
 * merge GPUs; that is why a UUID wins whenever there is one.
 */
export const GPU_INDEX_COLUMN: string = keyNames("index")[0];

// Identity column (lower-cased) → the label it becomes.
const IDENTITY_COLUMNS: ReadonlyMap<string, string | null> = new Map(
  COLUMNS.map((c) => [c.column, c.label]),
);

// The columns that claim their label first, in order, and the label each claims.
const PRIORITY: readonly string[] = COLUMNS.filter((c) => c.first).map((c) => c.column);
const PRIORITY_LABELS: readonly string[] = PRIORITY.map((c) => IDENTITY_COLUMNS.get(c)!);

/**
 * Whether a field name is an identity column (a label, never a metric).
 * Case-insensitive: `Hostname`, `hostname` and `HOSTNAME` all are.
 */
export function isIdentityColumn(name: string): boolean {
  return identityColumnOf(name) !== null;
}

/** What a field name is as an identity column. */
export interface IdentityColumn {
  /** The column, lower-cased. */
  lower: string;
  /** The label it claims (null: labels_raw, read separately). */
  label: string | null;
  /** Its place in PRIORITY, or -1. */
  slot: number;
}
/**
 * What a field name is as an identity column, or null when it is none.
 * Names repeat on every message, so each is looked up once.
 */
export const identityColumnOf: (name: string) => IdentityColumn | null = memoize(
  (name: string): IdentityColumn | null => {
    const lower = name.toLowerCase();
    const label = IDENTITY_COLUMNS.get(lower);
    return label === undefined ? null : { lower, label, slot: PRIORITY.indexOf(lower) };
  },
  4096,
);

// labels_raw text → the label pairs it adds, in order. A DCGM stream repeats
// each text for every sample of one GPU's metric, so most are parsed once.
const rawLabelPairs = memoize((raw: string): readonly (readonly [string, string])[] => {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(parsePromLabels(raw).labels)) {
    if (name === "__name__" || value === "") continue;
    pairs.push([IDENTITY_COLUMNS.get(name.toLowerCase()) ?? name, value]);
  }
  return pairs;
}, 8192);

/**
 * Adds the labels of the identity columns to `labels`: PRIORITY columns in
 * that order, then the other identity columns in field order (the first
 * field of each lower-cased column counts), then labels_raw's pairs.
 */
export function identityLabels(
  fields: Record<string, FieldValue>,
  names: readonly string[],
  labels: Record<string, string>,
): void {
  const prio: (FieldValue | undefined)[] = new Array(PRIORITY.length);
  let others: { column: IdentityColumn; value: FieldValue }[] | undefined;
  let raw: FieldValue | undefined;
  for (const name of names) {
    const column = identityColumnOf(name);
    if (column === null) continue;
    const value = fields[name];
    if (column.slot >= 0) prio[column.slot] ??= value;
    else if (column.label === null) raw ??= value;
    else if (!others?.some((o) => o.column.lower === column.lower)) {
      (others ??= []).push({ column, value });
    }
  }
  for (let slot = 0; slot < PRIORITY.length; slot++) {
    const value = prio[slot];
    if (value !== undefined) claim(labels, PRIORITY_LABELS[slot], value);
  }
  if (others) { for (const { column, value } of others) claim(labels, column.label!, value); }
  if (typeof raw !== "string") return;
  for (const [label, value] of rawLabelPairs(raw)) addLabel(labels, label, value);
}

function claim(labels: Record<string, string>, label: string, value: FieldValue): void {
  const text = String(value);
  if (text !== "") addLabel(labels, label, text);
}

/**
 * Sets a label unless it is set: an own property whatever its name
 * (`__proto__` included, as Object.fromEntries would).
 */
export function addLabel(labels: Record<string, string>, label: string, value: string): void {
  if (Object.hasOwn(labels, label)) return;
  if (label === "__proto__") {
    Object.defineProperty(labels, label, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else labels[label] = value;
}

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

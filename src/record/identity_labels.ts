/**
 * Identity columns: the fields of a message that name where a sample comes
 * from (host, GPU, model, container…) and become a record's labels, never
 * its metrics. Pure: no I/O.
 *
 * @module
 */

import type { FieldValue } from "./message.ts";
import { memoize } from "./memo.ts";
import { parsePromLabels } from "./prom_labels.ts";

// Identity columns (compared lower-cased) → the label they become. `null`
// means the column is consumed specially (labels_raw).
const IDENTITY_COLUMNS: ReadonlyMap<string, string | null> = new Map([
  ["hostname", "hostname"],
  ["host", "hostname"],
  ["gpu_id", "gpu_index"],
  ["gpu", "gpu_index"],
  ["gpu_index", "gpu_index"],
  ["modelname", "model"],
  ["model", "model"],
  ["model_name", "model"],
  ["gpu_name", "model"],
  ["uuid", "uuid"],
  ["gpu_uuid", "uuid"],
  ["device", "device"],
  ["container", "container"],
  ["pod", "pod"],
  ["namespace", "namespace"],
  ["instance", "instance"],
  ["job", "job"],
  ["pci_bus_id", "pci_bus_id"],
  ["serial", "serial"],
  ["driver_version", "driver_version"],
  ["dcgm_fi_driver_version", "driver_version"],
  ["labels_raw", null],
]);

// Order in which columns claim a label, so `Hostname` beats `host` and
// `gpu_id` beats `gpu` whatever the column order.
const PRIORITY = [
  "hostname",
  "host",
  "gpu_id",
  "gpu",
  "gpu_index",
  "modelname",
  "model",
  "model_name",
  "gpu_name",
  "uuid",
  "gpu_uuid",
];

// The label each PRIORITY column claims.
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

/**
 * Helpers shared by the store tests.
 *
 * @module
 */

import type { StoreBatch, StoreMessage } from "../../src/collect/store.ts";

const encoder = new TextEncoder();

/** Epoch ms of the first test record. */
export const T0 = Date.UTC(2026, 10, 27, 17, 0, 0);

/** A long-format payload whose metric `seq` carries `value`, at `T0 + ms`. */
export function payload(value: number, ms = value * 1000): Uint8Array {
  return encoder.encode(JSON.stringify({
    timestamp: new Date(T0 + ms).toISOString(),
    fields: { metric_name: "seq", value, Hostname: "host-a", gpu_id: 0 },
  }));
}

/** Messages for offsets `[from, to)`, keyed by `keyOf(offset)`. */
export function messages(
  from: number,
  to: number,
  keyOf: (offset: number) => string,
): StoreMessage[] {
  const out: StoreMessage[] = [];
  for (let offset = from; offset < to; offset++) {
    out.push({ offset, key: keyOf(offset), payload: payload(offset) });
  }
  return out;
}

/** A batch of partition 0 of topic `t`, group `g`. */
export function batch(list: StoreMessage[], partition = 0): StoreBatch {
  return { topic: "t", group: "g", partition, messages: list };
}

/** The lines of a file, without the empty string after the last newline. */
export async function lines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  return text === "" ? [] : text.slice(0, -1).split("\n");
}

/** The `.jsonl` file names in a dir, sorted. */
export async function jsonlFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".jsonl")) names.push(entry.name);
  }
  return names.sort();
}

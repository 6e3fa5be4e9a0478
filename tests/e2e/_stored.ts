/**
 * What a collector stored, read back through its query API: every record of
 * every GPU, page by page.
 *
 * @module
 */
import { getJson } from "./_harness.ts";

/** A stored record as the API returns it. */
export interface StoredRecord {
  gpu_id: string;
  metrics: Record<string, number | string | boolean>;
  labels: Record<string, string>;
}

/** Every record the collector at `api` (a port on 127.0.0.1) serves, all GPUs. */
export async function storedRecords(api: number): Promise<StoredRecord[]> {
  const base = `http://127.0.0.1:${api}/api/v1/gpus`;
  const list = await getJson<{ gpus: { id: string }[] }>(base);
  const out: StoredRecord[] = [];
  for (const gpu of list.gpus) {
    let cursor: string | null = null;
    do {
      const query: string = `limit=1000${cursor === null ? "" : `&cursor=${cursor}`}`;
      const page: { data: StoredRecord[]; next_cursor: string | null } = await getJson(
        `${base}/${encodeURIComponent(gpu.id)}/telemetry?${query}`,
      );
      out.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor !== null);
  }
  return out;
}

/** How often each value of metric `seq` was stored: seq → count. */
export async function storedSeqCounts(api: number): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const r of await storedRecords(api)) {
    const seq = Number(r.metrics.seq);
    counts.set(seq, (counts.get(seq) ?? 0) + 1);
  }
  return counts;
}

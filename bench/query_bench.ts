/**
 * `deno task bench-query`: query latency of the query API (not a test).
 *
 * 1. One GPU with 1,000,000 stored records, one per second (11.6 days):
 *    `GET /api/v1/gpus/{id}/telemetry` for a 1-hour window (3,600 records,
 *    first page of 1,000) at random positions, answered from memory (the
 *    memory window holds all records) and from the file through its time
 *    index (the window holds the newest 1,000 only), and through the `api`
 *    role's read-only view of the same dir.
 * 2. `GET /api/v1/gpus` with 10,000 GPUs.
 *
 * Records are written through `CollectorStore.write` in batches of 20,000
 * (fsync off). Requests go through `app.request()` (routing, validation,
 * JSON), without a socket.
 *
 * ```sh
 * deno task bench-query [--records 1000000] [--gpus 10000] [--queries 200]
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { createApiApp } from "../src/api/app.ts";
import { DataDirView } from "../src/query/data_dir_view.ts";
import { TelemetryQuery, type TelemetryReader } from "../src/query/query.ts";
import { CollectorStore, type StoreMessage } from "../src/collect/store.ts";

const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
};
const RECORDS = arg("records", 1_000_000);
const GPUS = arg("gpus", 10_000);
const QUERIES = arg("queries", 200);
const BATCH = 20_000;
const T0 = Date.UTC(2026, 10, 27, 0, 0, 0);
const HOUR = 3_600_000;
const encoder = new TextEncoder();

function message(offset: number, key: string, ms: number, gpuIndex: number): StoreMessage {
  return {
    offset,
    key,
    payload: encoder.encode(JSON.stringify({
      timestamp: new Date(T0 + ms).toISOString(),
      fields: {
        metric_name: "DCGM_FI_DEV_GPU_UTIL",
        value: offset % 101,
        gpu_id: String(gpuIndex % 8),
        uuid: key,
        device: `nvidia${gpuIndex % 8}`,
        modelName: "NVIDIA H100 80GB HBM3",
        Hostname: `bench-host-${String(Math.floor(gpuIndex / 8)).padStart(4, "0")}`,
      },
    })),
  };
}

async function fill(
  dir: string,
  total: number,
  indexOf: (i: number) => number,
  msOf: (i: number) => number,
) {
  await using store = await CollectorStore.open({ dir, fsync: false, maxEntries: 1, maxMemory: 1 });
  for (let from = 0; from < total; from += BATCH) {
    const list: StoreMessage[] = [];
    for (let i = from; i < Math.min(total, from + BATCH); i++) {
      const gpu = indexOf(i);
      list.push(message(i, `GPU-bench-${String(gpu).padStart(5, "0")}`, msOf(i), gpu));
    }
    await store.write({ topic: "telemetry", group: "bench", partition: 0, messages: list });
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(name: string, reader: TelemetryReader, paths: () => string, n: number) {
  const app = createApiApp({ reader: () => reader });
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < n + 5; i++) {
    const t = performance.now();
    const res = await app.request(paths());
    const json = res.headers.get("content-type")?.startsWith("application/json");
    const body = json ? await res.json() : await res.text();
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(body)}`);
    if (i >= 5) times.push(performance.now() - t); // 5 warm-up requests
    rows = json ? body.data?.length ?? body.total : body.split("\n").length - 1;
  }
  times.sort((a, b) => a - b);
  const f = (ms: number) => ms.toFixed(2).padStart(8);
  console.log(
    `${name.padEnd(44)} p50 ${f(percentile(times, 50))} ms  p99 ${f(percentile(times, 99))} ms` +
      `  (${n} requests, ${rows} rows in the last answer)`,
  );
}

const root = await Deno.makeTempDir({ prefix: "gputel-bench-" });
try {
  console.log(
    `deno ${Deno.version.deno}, ${Deno.build.os}/${Deno.build.arch}, ${navigator.hardwareConcurrency} CPUs`,
  );
  const gpuDir = join(root, "one-gpu", "c1");
  let t = performance.now();
  await fill(gpuDir, RECORDS, () => 0, (i) => i * 1000);
  console.log(
    `wrote ${RECORDS} records of one GPU in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  const span = RECORDS * 1000;
  const windowPath = () => {
    const start = T0 + Math.floor(Math.random() * Math.max(1, span - HOUR));
    const s = new Date(start).toISOString();
    const e = new Date(start + HOUR).toISOString();
    return `/api/v1/gpus/GPU-bench-00000/telemetry?start_time=${s}&end_time=${e}`;
  };
  {
    t = performance.now();
    await using store = await CollectorStore.open({ dir: gpuDir, fsync: false, maxEntries: 1000 });
    console.log(
      `opened (recovery scan, index rebuild) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    await measure(
      `1h window, ${RECORDS} records, from files`,
      new TelemetryQuery([store.reads]),
      windowPath,
      QUERIES,
    );
  }
  {
    await using store = await CollectorStore.open({
      dir: gpuDir,
      fsync: false,
      maxEntries: RECORDS,
      maxMemory: RECORDS,
    });
    const memoryOnly = new TelemetryQuery([store.reads]);
    await measure(`1h window, ${RECORDS} records, from memory`, memoryOnly, windowPath, QUERIES);
  }
  {
    await using view = new DataDirView({ dataDir: join(root, "one-gpu"), maxEntries: 1000 });
    t = performance.now();
    await view.refresh();
    console.log(`api view caught up in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await measure(
      `1h window, ${RECORDS} records, api role (files)`,
      view.reader()!,
      windowPath,
      QUERIES,
    );
  }

  const manyDir = join(root, "many-gpus", "c1");
  t = performance.now();
  await fill(manyDir, GPUS * 2, (i) => i % GPUS, (i) => i * 10);
  console.log(
    `wrote ${GPUS * 2} records of ${GPUS} GPUs in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  {
    await using store = await CollectorStore.open({ dir: manyDir, fsync: false });
    await measure(
      `/api/v1/gpus, ${GPUS} GPUs`,
      new TelemetryQuery([store.reads]),
      () => "/api/v1/gpus",
      50,
    );
    await measure(
      `/metrics, ${GPUS} GPUs`,
      new TelemetryQuery([store.reads]),
      () => "/metrics",
      50,
    );
  }
} finally {
  await Deno.remove(root, { recursive: true });
}

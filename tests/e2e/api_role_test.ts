import assert from "node:assert/strict";
import { checkExposition } from "../obs/_prom_check.ts";
import {
  GENERATED_EXPORT,
  getJson,
  ROOT,
  startAllInOne,
  startRole,
  streamOnce,
  waitUntil,
} from "./_harness.ts";

interface GpuList {
  total: number;
  gpus: { id: string; hostname: string }[];
}

/** Streams `csv` once into a spawned `broker,collect` on `dir`; returns it and its API base. */
async function collectInto(dir: string, csv: string, rows: number) {
  const { proc: server, port, api } = await startAllInOne(dir, ["--id", "c1"]);
  const base = `http://127.0.0.1:${api}`;
  await streamOnce(csv, port);
  await waitUntil(`${rows} records`, async () => {
    const stats = await getJson<{ records_total: number }>(`${base}/stats`);
    return stats.records_total >= rows;
  });
  return { server, base };
}

/** Starts `gputel api` on `dir` and waits until it shows `rows` records (it follows checkpoints). */
async function startApi(dir: string, rows: number) {
  const { proc: api, api: port } = await startRole(["api", "--data-dir", dir], ["api"]);
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(`${rows} records on the api role`, async () => {
    const stats = await getJson<{ records_total: number }>(`${base}/stats`);
    return stats.records_total >= rows;
  });
  return { api, base };
}

async function utilSamples(base: string): Promise<number> {
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const samples = checkExposition(await res.text());
  return samples.filter((s) => s.name === "DCGM_FI_DEV_GPU_UTIL" && s.labels.includes('UUID="'))
    .length;
}

Deno.test("gputel api on a live collector's data dir serves the same GPUs and telemetry", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-api-e2e-" });
  const { server, base: collectBase } = await collectInto(dir, `${ROOT}data/sample.csv`, 1920);
  await using _server = server;
  const { api, base } = await startApi(dir, 1920);
  await using _api = api;

  const fromCollect = await getJson<GpuList>(`${collectBase}/api/v1/gpus`);
  const fromApi = await getJson<GpuList>(`${base}/api/v1/gpus`);
  assert.equal(fromApi.total, 32);
  assert.deepEqual(fromApi, fromCollect);
  for (const gpu of fromApi.gpus) {
    const path = `/api/v1/gpus/${encodeURIComponent(gpu.id)}/telemetry?limit=25`;
    let [a, b] = [`${collectBase}${path}`, `${base}${path}`];
    let pages = 0;
    while (true) {
      const [pa, pb] = await Promise.all([a, b].map((u) => getJson<PageLike>(u)));
      assert.deepEqual(pb.data, pa.data, gpu.id);
      pages++;
      if (pb.next_cursor === null) break;
      a = `${collectBase}${path}&cursor=${pa.next_cursor}`;
      b = `${base}${path}&cursor=${pb.next_cursor}`;
    }
    assert.equal(pages, 3, `60 records of ${gpu.id} in pages of 25`);
  }
  assert.deepEqual(
    await getJson(`${base}/api/v1/hosts`),
    await getJson(`${collectBase}/api/v1/hosts`),
  );
  assert.equal(await utilSamples(base), 32);
  const stats = await getJson<{ api: { collectors: string[] } }>(`${base}/stats`);
  assert.deepEqual(stats.api.collectors, ["c1"]);
  const docs = await fetch(`${base}/docs`);
  assert.equal(docs.status, 200);
  await docs.body?.cancel();

  api.kill("SIGTERM");
  assert.equal((await api.wait()).code, 0);
  server.kill("SIGTERM");
  assert.equal((await server.wait()).code, 0);
  await Deno.remove(dir, { recursive: true });
});

interface PageLike {
  data: unknown[];
  next_cursor: string | null;
}

Deno.test({
  name:
    "After the export-shaped file, /metrics has exactly 247 DCGM_FI_DEV_GPU_UTIL samples on collect and api",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "gputel-metrics-e2e-" });
    const csv = await GENERATED_EXPORT.file(dir);
    const { server, base: collectBase } = await collectInto(dir, csv, 2470);
    await using _server = server;
    assert.equal(await utilSamples(collectBase), 247);
    const { api, base } = await startApi(dir, 2470);
    await using _api = api;
    assert.equal(await utilSamples(base), 247);
    const text = await (await fetch(`${base}/metrics`)).text();
    const { uuid, host } = GENERATED_EXPORT.first;
    const line = `DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="${uuid}",device="nvidia0",` +
      `modelName="NVIDIA H100 80GB HBM3",Hostname="${host}",hostname="${host}",` +
      `instance="${host}:9400"}`;
    const sample = text.split("\n").find((l) => l.startsWith(`${line} `));
    assert.ok(sample !== undefined, `no sample ${line} in:\n${text}`);
    assert.match(sample.slice(line.length + 1), /^-?[0-9.]+$/);
    api.kill("SIGTERM");
    server.kill("SIGTERM");
    assert.equal((await api.wait()).code, 0);
    assert.equal((await server.wait()).code, 0);
    await Deno.remove(dir, { recursive: true });
  },
});

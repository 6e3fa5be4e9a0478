import assert from "node:assert/strict";
import {
  exportCases,
  getJson,
  jsonlLines,
  startAllInOne,
  streamOnce,
  waitUntil,
} from "./_harness.ts";

interface GpuList {
  total: number;
  gpus: { id: string; hostname: string; gpu_index: string }[];
}

for (const ex of exportCases()) {
  Deno.test(`the ${ex.label} streams through broker,collect into 2,470 JSONL lines for 247 GPUs`, async () => {
    const root = await Deno.makeTempDir({ prefix: "gputel-e2e-" });
    const csv = await ex.file(root);
    const dir = `${root}/data`;
    const servers = await startAllInOne(dir);
    await using server = servers.proc;
    const { port, api } = servers;
    assert.match(await streamOnce(csv, port), /confirmed=2470/);

    const base = `http://127.0.0.1:${api}`;
    await waitUntil("2,470 stored lines", async () => (await jsonlLines(dir)).length >= 2470);
    const lines = await jsonlLines(dir);
    assert.equal(lines.length, 2470);
    const list = await getJson<GpuList>(`${base}/api/v1/gpus`);
    assert.equal(list.total, 247);
    assert.equal(new Set(list.gpus.map((g) => g.id)).size, 247);
    assert.equal(new Set(list.gpus.map((g) => g.hostname)).size, 31);

    for (const gpu of list.gpus) {
      const page = await getJson<{ data: { timestamp: string }[] }>(
        `${base}/api/v1/gpus/${encodeURIComponent(gpu.id)}/telemetry`,
      );
      assert.equal(page.data.length, 10, `GPU ${gpu.id}`);
      const times = page.data.map((e) => e.timestamp);
      assert.deepEqual(times, [...times].sort(), `GPU ${gpu.id} out of time order`);
    }
    const records = lines.map((l) => JSON.parse(l));
    assert.ok(records.every((r) => r.gpu_id.startsWith("GPU-")), "keyed by uuid, never gpu_id");
    const unknown = await fetch(`${base}/api/v1/gpus/GPU-nope/telemetry`);
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
    const bad = await fetch(
      `${base}/api/v1/gpus/${list.gpus[0].id}/telemetry?start_time=yesterday`,
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get("content-type"), "application/problem+json");
    await bad.body?.cancel();

    server.kill("SIGTERM");
    const end = await server.wait();
    assert.equal(end.code, 0, end.output);
    await Deno.remove(root, { recursive: true });
  });
}

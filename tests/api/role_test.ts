import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { startApiRole } from "../../src/api/role.ts";
import { CollectorStore } from "../../src/collect/store.ts";
import { silentLogger } from "../../src/obs/log.ts";
import { batch, messages } from "../collect/_store_helpers.ts";

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
};

Deno.test("The api role serves a live collector's data dir read-only and follows its new writes", async () => {
  const root = await Deno.makeTempDir({ prefix: "gputel-api-role-" });
  try {
    await using store = await CollectorStore.open({ dir: join(root, "c1"), fsync: false });
    await store.write(batch(messages(0, 2, () => "gpu-a")));
    await store.checkpoint();
    await using api = await startApiRole({
      dataDir: root,
      apiPort: 0,
      minRefreshMs: 0,
      logger: silentLogger,
    });
    const base = `http://127.0.0.1:${api.apiAddr.port}`;
    assertEquals((await get(`${base}/api/v1/gpus`)).body.total, 1);
    await store.write(batch(messages(2, 3, () => "gpu-b")));
    await store.write(batch(messages(3, 4, () => "gpu-a")));
    const seqs = async () =>
      (await get(`${base}/api/v1/gpus/gpu-a/telemetry`)).body.data.map((
        r: { metrics: { seq: number } },
      ) => r.metrics.seq);
    // Acked rounds show from the collector's journal before its checkpoint…
    let stats = await get(`${base}/stats`);
    assertEquals([stats.body.records_total, stats.body.journal_tail_records], [2, 2]);
    assertEquals((await get(`${base}/api/v1/gpus`)).body.total, 2);
    assertEquals(await seqs(), [0, 1, 3]);
    // …and from its files after it, once.
    await store.checkpoint();
    const gpus = await get(`${base}/api/v1/gpus`);
    assertEquals(gpus.body.gpus.map((g: { id: string }) => g.id), ["gpu-a", "gpu-b"]);
    assertEquals(await seqs(), [0, 1, 3]);
    stats = await get(`${base}/stats`);
    assertEquals([stats.body.api.collectors, stats.body.records_total], [["c1"], 4]);
    assertEquals(stats.body.journal_tail_records, 0);
    const unknown = await get(`${base}/api/v1/gpus/gpu-z/telemetry`);
    assertEquals([unknown.status, unknown.body.type], [404, "urn:gputel:problem:unknown-gpu"]);
    await api.close();
    await api.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

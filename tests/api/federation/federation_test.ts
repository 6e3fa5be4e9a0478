import assert from "node:assert/strict";
import { createFederatedApp } from "../../../src/api/federation/role.ts";
import { UpstreamClient } from "../../../src/api/federation/upstream.ts";
import type { TelemetryRecord } from "../../../src/record/telemetry_record.ts";
import { FakeCollector, rec } from "./_fake_collector.ts";

function federate(urls: string[], timeoutMs = 2000) {
  const client = new UpstreamClient({ timeoutMs });
  // The list is read on every request: a test may change it between pages.
  const { fetch } = createFederatedApp({ collectors: () => urls, client });
  return {
    get: (path: string) => fetch(new Request(`http://api${path}`)),
    [Symbol.dispose]: () => client[Symbol.dispose](),
  };
}

async function pageAll(
  get: (path: string) => Promise<Response>,
  gpu: string,
  limit: number,
  between?: () => void,
) {
  const out: TelemetryRecord[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q = `limit=${limit}${cursor === null ? "" : `&cursor=${cursor}`}`;
    const res = await get(`/api/v1/gpus/${gpu}/telemetry?${q}`);
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.json();
    assert.ok(body.data.length <= limit);
    out.push(...body.data);
    cursor = body.next_cursor;
    pages++;
    between?.();
  } while (cursor !== null);
  return { out, pages };
}

Deno.test("federated paging with limit 7 returns each record of three collectors once, in time order", async () => {
  // Interleaved timestamps, ties across collectors, and one row held by two collectors.
  const a = [0, 3, 6, 9, 12, 15, 18, 21, 24, 27].map((i) => rec("G", 1000 + i, i));
  const b = [1, 4, 7, 10, 13, 16, 19, 22, 25, 28].map((i) => rec("G", 1000 + i, i));
  const c = [2, 5, 8, 11, 14, 17, 20, 23, 26, 29].map((i) => rec("G", 1000 + i, i));
  c.push(rec("G", 1000 + 13, 13)); // a copy of b's 13 (a rebalance stored it twice)
  c.push(rec("G", 1000 + 29, 100)); // a different row at the same time as c's 29
  await using ca = new FakeCollector(a);
  await using cb = new FakeCollector(b);
  await using cc = new FakeCollector(c);
  using api = federate([ca.url, cb.url, cc.url]);
  const { out, pages } = await pageAll(api.get, "G", 7);
  const ns = out.map((r) => r.metrics.n);
  assert.deepEqual([...ns].sort((x, y) => Number(x) - Number(y)), [...Array(30).keys(), 100]);
  const ts = out.map((r) => Date.parse(r.timestamp));
  assert.deepEqual(ts, [...ts].sort((x, y) => x - y));
  assert.equal(pages, 5);
});

Deno.test("rows arriving at a collector while paging neither shift nor repeat a page", async () => {
  const a = Array.from({ length: 20 }, (_, i) => rec("G", 1000 + 2 * i, i));
  const b = Array.from({ length: 20 }, (_, i) => rec("G", 1001 + 2 * i, 20 + i));
  await using ca = new FakeCollector(a);
  await using cb = new FakeCollector(b);
  using api = federate([ca.url, cb.url]);
  // Rows older than everything arrive right after a collector served a page: between the
  // merge's first read and its re-read of the same (unpinned) first page, and between pages.
  let early = 0;
  for (const c of [ca, cb]) {
    c.afterPage = () => {
      if (early < 6) c.records.push(rec("G", 500 + early, 1000 + early++));
    };
  }
  const { out } = await pageAll(api.get, "G", 7);
  const ns = out.map((r) => Number(r.metrics.n));
  assert.equal(new Set(ns).size, ns.length, "no record twice");
  for (let n = 0; n < 40; n++) assert.ok(ns.includes(n), `record ${n} missing`);
  assert.ok(early >= 2, "rows arrived while paging");
});

Deno.test("a collector that does not answer makes a 503 naming it; partial=true answers the rest with warnings", async () => {
  await using ca = new FakeCollector([rec("G", 1000, 1), rec("G", 1002, 2)]);
  await using cb = new FakeCollector([rec("G", 1001, 3)]);
  cb.delayMs = 1000;
  using api = federate([ca.url, cb.url], 200);
  for (const path of ["/api/v1/gpus", "/api/v1/hosts", "/api/v1/gpus/G/telemetry", "/metrics"]) {
    const res = await api.get(path);
    assert.equal(res.status, 503, path);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    const problem = await res.json();
    assert.match(problem.detail, new RegExp(`collector ${cb.url} did not answer within 200 ms`));
    const partial = await api.get(`${path}${path.includes("?") ? "&" : "?"}partial=true`);
    assert.equal(partial.status, 200, path);
    assert.match(
      partial.headers.get("warning") ?? "",
      new RegExp(`^199 gputel "collector ${cb.url} `),
    );
    if (path !== "/metrics") {
      const body = await partial.json();
      assert.deepEqual(body.warnings, [
        `collector ${cb.url} did not answer within 200 ms (--collector-timeout); its data is left out`,
      ]);
      if (path.includes("telemetry")) {
        assert.deepEqual(body.data.map((r: TelemetryRecord) => r.metrics.n), [1, 2]);
      }
    } else {
      await partial.body?.cancel();
    }
  }
  const bad = await api.get("/api/v1/gpus?partial=maybe");
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).detail, /^partial: must be true or false/);
});

Deno.test("GPU lists merge: earliest first_seen, latest last_seen, newest latest; /metrics has each series once", async () => {
  await using ca = new FakeCollector([rec("G", 1000, 1), rec("G", 2000, 2), rec("H", 1500, 7)]);
  await using cb = new FakeCollector([rec("G", 3000, 3), rec("G", 500, 0)]);
  using api = federate([ca.url, cb.url]);
  const list = await (await api.get("/api/v1/gpus")).json();
  assert.equal(list.total, 2);
  const g = list.gpus.find((x: { id: string }) => x.id === "G");
  assert.equal(g.first_seen, new Date(500).toISOString());
  assert.equal(g.last_seen, new Date(3000).toISOString());
  assert.deepEqual(g.latest, { n: 3 });
  const hosts = await (await api.get("/api/v1/hosts")).json();
  assert.deepEqual(hosts.hosts.map((h: { gpu_count: number }) => h.gpu_count), [2]);
  const metrics = await (await api.get("/metrics")).text();
  const series = metrics.split("\n").filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.slice(0, l.lastIndexOf(" ")));
  assert.equal(new Set(series).size, series.length, metrics);
  assert.ok(metrics.includes(`gputel_gpu_n{gpu="0",UUID="G",Hostname="h1"} 3\n`), metrics);
  assert.ok(metrics.includes(`gputel_collector_records_total{collector="${ca.url}"} 3\n`));
  assert.ok(metrics.includes(`gputel_collector_records_total{collector="${cb.url}"} 2\n`));
  assert.equal(metrics.match(/# TYPE gputel_collector_records_total /g)?.length, 1);
});

Deno.test("an unknown GPU is 404; a cursor of another query is 400", async () => {
  await using ca = new FakeCollector([rec("G", 1000, 1), rec("G", 1001, 2)]);
  using api = federate([ca.url]);
  assert.equal((await api.get("/api/v1/gpus/NOPE/telemetry")).status, 404);
  const first = await (await api.get("/api/v1/gpus/G/telemetry?limit=1")).json();
  const other = await api.get(
    `/api/v1/gpus/G/telemetry?limit=1&metric=x&cursor=${first.next_cursor}`,
  );
  assert.equal(other.status, 400);
  assert.match((await other.json()).detail, /cursor belongs to a different query/);
});

Deno.test("a copy split from its twin by a page boundary is still returned once", async () => {
  await using c1 = new FakeCollector();
  await using c2 = new FakeCollector();
  // The collector ranked first (by URL) holds 6 rows, the copy, then another row of the same
  // time; with limit 7 the page ends right after the copy, and its twin comes after that row.
  const [first, second] = [c1, c2].sort((x, y) => (x.url < y.url ? -1 : 1));
  first.records.push(...Array.from({ length: 6 }, (_, i) => rec("G", 1000 + i, i)));
  first.records.push(rec("G", 2000, 6), rec("G", 2000, 7));
  second.records.push(rec("G", 2000, 6));
  using api = federate([c1.url, c2.url]);
  const { out, pages } = await pageAll(api.get, "G", 7);
  assert.deepEqual(out.map((r) => r.metrics.n), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(pages, 2);
});

Deno.test("a collector that comes back at another address continues its paging where it was", async () => {
  const a = Array.from({ length: 12 }, (_, i) => rec("G", 1000 + 2 * i, i));
  const b = Array.from({ length: 12 }, (_, i) => rec("G", 1001 + 2 * i, 12 + i));
  await using ca = new FakeCollector(a, "collect-0");
  await using cb = new FakeCollector(b, "collect-1");
  const urls = [ca.url, cb.url];
  using api = federate(urls);
  let moved: FakeCollector | undefined;
  try {
    const { out } = await pageAll(api.get, "G", 5, () => {
      if (moved !== undefined) return;
      // After the first page collect-0's pod restarts with a new address and the same files.
      moved = new FakeCollector(a, "collect-0");
      urls[0] = moved.url;
    });
    const ns = out.map((r) => Number(r.metrics.n)).sort((x, y) => x - y);
    assert.deepEqual(ns, [...Array(24).keys()]);
  } finally {
    await moved?.[Symbol.asyncDispose]();
  }
});

Deno.test("a collector of the paging that is gone is named by its id", async () => {
  const a = Array.from({ length: 6 }, (_, i) => rec("G", 1000 + i, i));
  await using ca = new FakeCollector(a, "collect-0");
  await using cb = new FakeCollector([rec("G", 2000, 9)], "collect-1");
  const urls = [ca.url, cb.url];
  using api = federate(urls);
  const first = await (await api.get("/api/v1/gpus/G/telemetry?limit=3")).json();
  urls.pop();
  const gone = await api.get(`/api/v1/gpus/G/telemetry?limit=3&cursor=${first.next_cursor}`);
  assert.equal(gone.status, 503);
  assert.match((await gone.json()).detail, /^collector collect-1 is no longer among --collectors/);
  const rest = await api.get(
    `/api/v1/gpus/G/telemetry?limit=3&partial=true&cursor=${first.next_cursor}`,
  );
  const body = await rest.json();
  assert.deepEqual(body.data.map((r: TelemetryRecord) => r.metrics.n), [3, 4, 5]);
  assert.deepEqual(body.warnings, [
    "collector collect-1 is no longer among --collectors; its data is left out",
  ]);
});

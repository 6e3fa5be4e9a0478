import assert from "node:assert/strict";
import { join } from "node:path";
import type { TelemetryRecord } from "../../src/record/telemetry_record.ts";
import { getJson, Gputel, startRole, waitUntil } from "./_harness.ts";

const GPU = "GPU-fed00000-0000-0000-0000-000000000001";
const ROWS = 3000;

interface Collector {
  id: string;
  dir: string;
  /** Its API port: 0 until its first start binds one; a restart binds the same (the federated API lists it). */
  api: number;
  proc?: Gputel;
}

async function memberIds(admin: number): Promise<string[]> {
  const stats = await getJson<
    { topics: { groups: { name: string; members: { id: string; partitions: number[] }[] }[] }[] }
  >(`http://127.0.0.1:${admin}/stats`);
  const group = stats.topics.flatMap((t) => t.groups).find((g) => g.name === "fed");
  return (group?.members ?? []).map((m) => m.id);
}

/** The `seq` of every record of the GPU a collector's own API holds. */
async function seqsOf(c: Collector): Promise<number[]> {
  const res = await fetch(`http://127.0.0.1:${c.api}/api/v1/gpus/${GPU}/telemetry?limit=10000`);
  if (res.status === 404) {
    await res.body?.cancel();
    return [];
  }
  const page = await res.json() as { data: TelemetryRecord[]; next_cursor: string | null };
  assert.equal(page.next_cursor, null);
  return page.data.map((r) => Number(r.metrics.seq));
}

async function start(c: Collector, broker: number): Promise<void> {
  const started = await startRole([
    ...["collect", "--broker", `127.0.0.1:${broker}`, "--group", "fed", "--workers", "1"],
    ...["--data-dir", c.dir, "--id", c.id, "--api-port", String(c.api)],
  ], ["api"]);
  [c.proc, c.api] = [started.proc, started.api];
}

async function stop(c: Collector): Promise<void> {
  c.proc!.kill("SIGTERM");
  const { code, output } = await c.proc!.wait();
  assert.equal(code, 0, output);
}

Deno.test({
  name: "api --collectors pages one GPU spread over three collectors (scaled 1 → 3 → 2 → 1 " +
    "mid-stream) with limit=7: each record once, in time order; a stopped collector is a 503, " +
    "partial=true the rest with a warning",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "gputel-federation-" });
    const csv = join(root, "one_gpu.csv");
    const rows = Array.from({ length: ROWS }, (_, i) => `${GPU},fed-host,0,${i}`);
    await Deno.writeTextFile(csv, ["uuid,Hostname,gpu_id,seq", ...rows].join("\n") + "\n");
    // One partition: every record of the GPU is in it, and it moves whole between collectors.
    const started = await startRole(
      [
        "broker",
        "--data-dir",
        join(root, "broker"),
        "--partitions",
        "1",
        "--session-timeout",
        "2s",
      ],
      ["tcp", "admin"],
    );
    await using _broker = started.proc;
    const { tcp: port, admin } = started;
    const collectors: Collector[] = ["c0", "c1", "c2"].map((id) => ({
      id,
      dir: join(root, id),
      api: 0,
    }));
    const [c0, c1, c2] = collectors;
    try {
      // Scale 1: c0 owns the partition.
      await start(c0, port);
      await waitUntil("c0 joined", async () => (await memberIds(admin)).length === 1);
      await using stream = new Gputel([
        ...["stream", "--csv", csv, "--broker", `127.0.0.1:${port}`, "--workers", "1"],
        ...["--rate", "40", "--no-loop", "--batch", "10", "--linger", "20ms"],
      ]);
      await waitUntil("c0 stored rows", async () => (await seqsOf(c0)).length >= 40, 60_000);
      // Scale 3, then 2: c0 leaves mid-stream and the partition moves to c1 or c2.
      await start(c1, port);
      await start(c2, port);
      await waitUntil("three members", async () => (await memberIds(admin)).length === 3, 60_000);
      await stop(c0);
      let moved: Collector | undefined;
      await waitUntil("the partition moved to c1 or c2", async () => {
        for (const c of [c1, c2]) if ((await seqsOf(c)).length > 0) moved = c;
        return moved !== undefined;
      }, 60_000);
      // Scale 1: the new owner leaves too, and the last one takes over.
      const last = moved === c1 ? c2 : c1;
      await waitUntil("the new owner stored more", async () => (await seqsOf(moved!)).length >= 20);
      await stop(moved!);
      await waitUntil(
        "the last collector stored rows",
        async () => (await seqsOf(last)).length >= 20,
        60_000,
      );
      stream.kill("SIGINT");
      const out = await stream.wait();
      assert.equal(out.code, 0, out.output);
      const confirmed = Number(out.output.match(/stream finished .*confirmed=(\d+)/)?.[1]);
      assert.ok(confirmed > 100 && confirmed < ROWS, `confirmed ${confirmed}`);

      // The stopped collectors come back and serve their own files.
      await start(c0, port);
      await start(moved!, port);
      await waitUntil("every confirmed row stored", async () => {
        const all = new Set((await Promise.all(collectors.map(seqsOf))).flat());
        return all.size === confirmed;
      }, 60_000);
      const held = await Promise.all(collectors.map(seqsOf));
      console.log(
        `confirmed ${confirmed}; held by c0/c1/c2: ${held.map((s) => s.length).join("/")}`,
      );
      for (const [i, seqs] of held.entries()) {
        assert.ok(seqs.length > 0, `collector c${i} holds none of the GPU's records`);
      }

      const federated = await startRole([
        ...["api", "--collector-timeout", "2s", "--collectors"],
        collectors.map((c) => `http://127.0.0.1:${c.api}`).join(","),
      ], ["api"]);
      await using _api = federated.proc;
      const base = `http://127.0.0.1:${federated.api}`;
      const seqs: number[] = [];
      const times: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `${base}/api/v1/gpus/${GPU}/telemetry?limit=7` +
          (cursor === null ? "" : `&cursor=${cursor}`);
        const page = await getJson<{ data: TelemetryRecord[]; next_cursor: string | null }>(url);
        assert.ok(page.data.length <= 7);
        for (const r of page.data) {
          seqs.push(Number(r.metrics.seq));
          times.push(Date.parse(r.timestamp));
        }
        cursor = page.next_cursor;
        pages++;
      } while (cursor !== null);
      assert.deepEqual([...seqs].sort((a, b) => a - b), [...Array(confirmed).keys()]);
      assert.deepEqual(times, [...times].sort((a, b) => a - b), "pages are in time order");
      assert.equal(pages, Math.ceil(confirmed / 7));

      // One collector stops: a 503 naming it, or with partial=true the others' records.
      await stop(c2);
      const down = `http://127.0.0.1:${c2.api}`;
      const res = await fetch(`${base}/api/v1/gpus/${GPU}/telemetry?limit=10000`);
      assert.equal(res.status, 503);
      assert.match((await res.json()).detail, new RegExp(`collector ${down} cannot be reached`));
      const partial = await fetch(`${base}/api/v1/gpus/${GPU}/telemetry?limit=10000&partial=true`);
      assert.equal(partial.status, 200);
      assert.match(partial.headers.get("warning") ?? "", new RegExp(`collector ${down} `));
      const body = await partial.json();
      assert.equal(body.warnings.length, 1);
      assert.match(body.warnings[0], new RegExp(`^collector ${down} .*; its data is left out$`));
      const rest = new Set([...held[0], ...held[1]]);
      assert.deepEqual(
        body.data.map((r: TelemetryRecord) => Number(r.metrics.seq)).sort((a: number, b: number) =>
          a - b
        ),
        [...rest].sort((a, b) => a - b),
      );
    } finally {
      for (const c of collectors) {
        c.proc?.kill("SIGKILL");
        await c.proc?.wait();
      }
      await Deno.remove(root, { recursive: true });
    }
  },
});

/**
 * A seeded chaos run: streamers publish rows with unique ids while the
 * broker and a group of collectors are SIGKILLed, SIGTERMed and
 * SIGSTOPped/SIGCONTed and the group is scaled; then the rows are counted
 * through `gputel api --data-dir`, through each collector's own API, and in
 * the files after `gputel compact`. Used by `tests/e2e/chaos_test.ts` (short)
 * and `deno task chaos --minutes N` (long).
 *
 * @module
 */
import { join } from "node:path";
import { ChaosCluster, type FaultCounts, sleep } from "./_chaos_cluster.ts";
import { getJson, Gputel, jsonlLines, startRole } from "./_harness.ts";

/** How a chaos run goes. */
export interface ChaosOptions {
  /** Seed of the fault schedule. */
  seed: number;
  /** Streamer processes. @default {4} */
  streamers?: number;
  /** Rows each streamer publishes (each with a unique `row_id`). */
  rowsPerStreamer: number;
  /** Rows per second per streamer. */
  rate: number;
  /** Collector counts: start with the first, scale to each next one during the run. */
  scale: number[];
  /** Progress lines (none by default). */
  log?: (line: string) => void;
}

/** What a chaos run saw. */
export interface ChaosResult {
  faults: FaultCounts;
  /** Rows the streamers reported confirmed (every row of a streamer that exited 0). */
  confirmed: number;
  /** Records in the collectors' files before compaction (copies included). */
  stored: number;
  /** Records `gputel api` returned more than once. */
  apiDuplicates: number;
  /** Confirmed rows `gputel api` did not return. */
  apiLost: number;
  /** The most copies of one row any single collector's API returned. */
  perDirMaxCopies: number;
  /** Confirmed rows no collector's API returned. */
  perDirLost: number;
  /** Records `gputel compact` removed. */
  compacted: number;
  /** Origins the files held more than once after compaction. */
  duplicateOriginsAfterCompact: number;
  /** Confirmed rows missing from the files after compaction. */
  lostAfterCompact: number;
}

/** A PRNG (mulberry32) from a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeCsv(path: string, streamer: number, rows: number): Promise<void> {
  const lines = ["uuid,Hostname,gpu_id,row_id,power_draw"];
  for (let i = 0; i < rows; i++) {
    const gpu = i % 8;
    lines.push(
      `GPU-s${streamer}-${gpu},host-${streamer},${gpu},${streamer * 10_000_000 + i},${
        100 + (i % 50)
      }`,
    );
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
}

/** Counts of each row id an API returns over all its GPUs, paging through. */
async function rowCounts(base: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  const { gpus } = await getJson<{ gpus: { id: string }[] }>(`${base}/api/v1/gpus`);
  for (const { id } of gpus) {
    let cursor: string | null = null;
    do {
      const q: string = `limit=10000${cursor ? `&cursor=${cursor}` : ""}`;
      const page: { data: { metrics: { row_id: number } }[]; next_cursor: string | null } =
        await getJson(`${base}/api/v1/gpus/${encodeURIComponent(id)}/telemetry?${q}`);
      for (const r of page.data) {
        counts.set(r.metrics.row_id, (counts.get(r.metrics.row_id) ?? 0) + 1);
      }
      cursor = page.next_cursor;
    } while (cursor !== null);
  }
  return counts;
}

/** Waits until `counts()` holds every expected id (or the deadline passes); returns the last counts. */
async function converge(
  counts: () => Promise<Map<number, number>>,
  expected: Set<number>,
  ms: number,
) {
  const end = Date.now() + ms;
  for (;;) {
    const c = await counts().catch(() => new Map<number, number>());
    const missing = [...expected].filter((id) => !c.has(id)).length;
    if (missing === 0 || Date.now() > end) return c;
    await sleep(500);
  }
}

const copiesOver = (c: Map<number, number>) =>
  [...c.values()].reduce((n, k) => n + Math.max(0, k - 1), 0);

/** Runs the scenario in a temporary dir and returns what it saw. */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? (() => {});
  const random = prng(o.seed);
  const streamers = o.streamers ?? 4;
  const root = await Deno.makeTempDir({ prefix: "gputel_chaos_" });
  await using cluster = new ChaosCluster(root);
  try {
    await cluster.startBroker();
    let nextId = 0;
    const scaleTo = async (n: number) => {
      log(`scale ${cluster.collectors.size} → ${n}`);
      while (cluster.collectors.size > n) {
        const id = cluster.runnable().at(-1) ?? [...cluster.collectors.keys()].at(-1)!;
        await cluster.faultCollector(id, "SIGTERM");
      }
      const starts: Promise<void>[] = [];
      for (let i = cluster.collectors.size; i < n; i++) {
        // Restart a stopped-for-good id first (sticky partitions), else a new one.
        const dead = [...cluster.apiPorts.keys()].find((id) => !cluster.collectors.has(id));
        starts.push(cluster.startCollector(dead ?? `c${nextId++}`));
      }
      await Promise.all(starts);
    };
    await scaleTo(o.scale[0]);
    const csvs = await Promise.all(Array.from({ length: streamers }, async (_, s) => {
      const path = join(root, `rows-${s}.csv`);
      await writeCsv(path, s, o.rowsPerStreamer);
      return path;
    }));
    const streams = csvs.map((csv) =>
      new Gputel([
        "stream",
        ...["--csv", csv, "--broker", cluster.brokerAddr, "--no-loop", "--workers", "1"],
        ...["--rate", String(o.rate), "--drain-timeout", "120s", "--quiet"],
      ])
    );
    const chaosMs = (o.rowsPerStreamer / o.rate) * 1000;
    const start = Date.now();
    const nextFault = faultOrder(random);
    let step = 1;
    while (Date.now() - start < chaosMs) {
      await sleep(500 + random() * 1500);
      if (step < o.scale.length && Date.now() - start > (chaosMs * step) / o.scale.length) {
        await scaleTo(o.scale[step++]);
        continue;
      }
      await fault(cluster, nextFault(), random, log);
    }
    while (step < o.scale.length) await scaleTo(o.scale[step++]);
    // One collector dies for good: its acked rows must show from its journal.
    const victim = cluster.runnable()[0];
    if (victim !== undefined && cluster.collectors.size > 1) {
      log(`SIGKILL ${victim} (not restarted)`);
      await cluster.faultCollector(victim, "SIGKILL");
    }
    const exits = await Promise.all(streams.map((s) => s.wait()));
    const confirmed = exits.filter((e) => e.code === 0).length * o.rowsPerStreamer;
    const expected = new Set<number>();
    exits.forEach((e, s) => {
      if (e.code !== 0) log(`streamer ${s} exited ${e.code}:\n${e.output.slice(-2000)}`);
      else for (let i = 0; i < o.rowsPerStreamer; i++) expected.add(s * 10_000_000 + i);
    });
    log(`streamers done: ${confirmed} rows confirmed; ${JSON.stringify(cluster.faults)}`);
    return await check(cluster, expected, confirmed, log);
  } catch (error) {
    log(cluster.output());
    throw error;
  } finally {
    await cluster.stopAll().catch(() => {});
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

const KINDS = [
  "brokerSigkill",
  "brokerSigterm",
  "brokerSigstop",
  "collectorSigkill",
  "collectorSigterm",
  "collectorSigstop",
] as const;

/** Fault kinds in seeded order, every kind once per round. */
function faultOrder(random: () => number): () => (typeof KINDS)[number] {
  let round: (typeof KINDS)[number][] = [];
  return () => {
    if (round.length === 0) round = [...KINDS].sort(() => random() - 0.5);
    return round.pop()!;
  };
}

async function fault(
  cluster: ChaosCluster,
  kind: (typeof KINDS)[number],
  random: () => number,
  log: (l: string) => void,
) {
  const ids = cluster.runnable();
  const id = ids[Math.floor(random() * ids.length)];
  log(`${kind}${kind.startsWith("collector") ? ` ${id}` : ""}`);
  switch (kind) {
    case "brokerSigkill":
      return await cluster.faultBroker("SIGKILL", 200 + random() * 800);
    case "brokerSigterm":
      return await cluster.faultBroker("SIGTERM", 200 + random() * 800);
    case "brokerSigstop":
      return await cluster.faultBroker("SIGSTOP", 1000 + random() * 4000);
    case "collectorSigstop":
      // Past the 3 s ack timeout, sometimes past the 5 s session timeout.
      if (id !== undefined) void cluster.faultCollector(id, "SIGSTOP", 3500 + random() * 3000);
      return;
    default:
      if (id === undefined || ids.length < 2) return;
      await cluster.faultCollector(id, kind === "collectorSigkill" ? "SIGKILL" : "SIGTERM");
      if (random() < 0.6) await cluster.startCollector(id);
  }
}

async function check(
  cluster: ChaosCluster,
  expected: Set<number>,
  confirmed: number,
  log: (l: string) => void,
): Promise<ChaosResult> {
  for (const p of [...cluster.stopped]) p.kill("SIGCONT");
  const stored = async () => (await jsonlLines(cluster.collectDir)).length;
  let apiCounts: Map<number, number>;
  {
    const started = await startRole(["api", "--data-dir", cluster.collectDir], ["api"], {
      timeoutMs: 60_000,
    });
    await using _api = started.proc;
    const apiPort = started.api;
    apiCounts = await converge(
      () => rowCounts(`http://127.0.0.1:${apiPort}`),
      expected,
      Number(Deno.env.get("CHAOS_CONVERGE_MS") ?? 90_000),
    );
  }
  log(`gputel api: ${apiCounts.size} rows`);
  // Every dir gets its own collector again, so each has its own API.
  for (const id of cluster.apiPorts.keys()) {
    if (!cluster.collectors.has(id)) await cluster.startCollector(id);
  }
  const perDir = new Map<number, number>();
  let perDirMaxCopies = 0;
  const union = () => {
    perDir.clear();
    perDirMaxCopies = 0;
    return Promise.all(
      [...cluster.apiPorts.values()].map((p) => rowCounts(`http://127.0.0.1:${p}`)),
    )
      .then((all) => {
        for (const c of all) {
          for (const [id, n] of c) {
            perDirMaxCopies = Math.max(perDirMaxCopies, n);
            perDir.set(id, (perDir.get(id) ?? 0) + 1);
          }
        }
        return perDir;
      });
  };
  await converge(union, expected, Number(Deno.env.get("CHAOS_CONVERGE_MS") ?? 90_000));
  const brokerStats = await getJson<
    { topics: { name: string; groups: { counters: unknown }[] }[] }
  >(
    `http://127.0.0.1:${cluster.adminPort}/stats`,
  ).catch(() => undefined);
  const topic = brokerStats?.topics.find((t) => t.name === "telemetry");
  log(`broker group counters: ${JSON.stringify(topic?.groups.map((g) => g.counters))}`);
  log(`topics: ${brokerStats?.topics.map((t) => t.name).join(",")}`);
  for (const [id, port] of cluster.apiPorts) {
    const st = await getJson<{ collector: unknown }>(`http://127.0.0.1:${port}/stats`).catch(() =>
      undefined
    );
    log(`${id}: ${JSON.stringify(st?.collector)}`);
  }
  log(`lost: ${[...expected].filter((id) => !perDir.has(id)).slice(0, 30).join(",")}`);
  await cluster.stopAll();
  const storedBefore = await stored();
  const compact = await new Gputel(["compact", "--data-dir", cluster.collectDir]).wait();
  if (compact.code !== 0) {
    throw new Error(`gputel compact exited ${compact.code}: ${compact.output}`);
  }
  const lines = (await jsonlLines(cluster.collectDir)).map((l) => JSON.parse(l));
  const origins = new Map<string, number>();
  for (const r of lines) origins.set(r._o, (origins.get(r._o) ?? 0) + 1);
  const inFiles = new Set(lines.map((r) => r.metrics.row_id as number));
  return {
    faults: { ...cluster.faults },
    confirmed,
    stored: storedBefore,
    apiDuplicates: copiesOver(apiCounts),
    apiLost: [...expected].filter((id) => !apiCounts.has(id)).length,
    perDirMaxCopies,
    perDirLost: [...expected].filter((id) => !perDir.has(id)).length,
    compacted: storedBefore - lines.length,
    duplicateOriginsAfterCompact: [...origins.values()].reduce((n, k) => n + k - 1, 0),
    lostAfterCompact: [...expected].filter((id) => !inFiles.has(id)).length,
  };
}

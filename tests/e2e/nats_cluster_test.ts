import assert from "node:assert/strict";
import { heavyTestLock } from "../_helpers.ts";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { getJson, Gputel, startRole, waitUntil, writeExportShaped } from "./_harness.ts";
import { apiRows, type NatsServer, natsTest, startCluster } from "./_nats.ts";

const ROWS = 20_000;

interface Collector {
  api: number;
  proc: Gputel;
  /** Records it stored, as its /stats said last. */
  stored: number;
}

/** The server leading the topic's stream now (a live one, asked through any server). */
async function streamLeader(urls: string, servers: NatsServer[]): Promise<NatsServer> {
  const nc = await connect({ servers: urls.split(",") });
  try {
    const jsm = await jetstreamManager(nc);
    let leader: NatsServer | undefined;
    await waitUntil("a stream leader", async () => {
      const name = (await jsm.streams.info("GPUTEL_telemetry").catch(() => undefined))?.cluster
        ?.leader;
      leader = servers.find((s) => s.name === name && s.running);
      return leader !== undefined;
    }, 60_000);
    return leader!;
  } finally {
    await nc.close();
  }
}

/** What the consumer, the surviving collector and the API say: for a failure message. */
async function diagnose(urls: string, c: Collector, base: string): Promise<string> {
  const nc = await connect({ servers: urls.split(",") });
  try {
    const jsm = await jetstreamManager(nc);
    const ci = await jsm.consumers.info("GPUTEL_telemetry", "gputel_collectors");
    const si = await jsm.streams.info("GPUTEL_telemetry");
    const dlq = await jsm.streams.info("GPUTEL_telemetry_dlq");
    const stats = await getJson(`http://127.0.0.1:${c.api}/stats`).catch((e) => String(e));
    return JSON.stringify({
      stream: si.state,
      dlq: dlq.state.messages,
      consumer: {
        delivered: ci.delivered,
        ack_floor: ci.ack_floor,
        pending: ci.num_pending,
        ack_pending: ci.num_ack_pending,
        redelivered: ci.num_redelivered,
        waiting: ci.num_waiting,
      },
      c2: stats,
      api: await apiRows(base),
    });
  } finally {
    await nc.close();
  }
}

natsTest(
  "on a 3-node JetStream cluster (R3), 20,000 rows survive two server SIGKILLs and a collector SIGKILL, each once through the API",
  async () => {
    await using _heavy = await heavyTestLock();
    const dir = await Deno.makeTempDir({ prefix: "gputel-nats-cluster-" });
    const servers = await startCluster(dir);
    try {
      const urls = servers.map((s) => s.url).join(",");
      const csv = await writeExportShaped(join(dir, "export.csv"), ROWS);
      const data = join(dir, "data");
      const collect = async (id: string): Promise<Collector> => {
        const { proc, api } = await startRole(
          [
            ...["collect", "--broker", urls, "--data-dir", data, "--id", id, "--workers", "2"],
            ...["--ack-timeout", "3s"],
          ],
          ["api"],
          { timeoutMs: 60_000 },
        );
        return { api, proc, stored: 0 };
      };
      const c1 = await collect("c1");
      const c2 = await collect("c2");
      await using _c1 = c1.proc;
      await using _c2 = c2.proc;
      const live = new Set([c1, c2]);
      const all = [c1, c2];
      const stored = async () => {
        for (const c of live) {
          const s = await getJson<{ collector: { stored: number } }>(
            `http://127.0.0.1:${c.api}/stats`,
          ).catch(() => undefined);
          if (s) c.stored = s.collector.stored;
        }
        return all.reduce((n, c) => n + c.stored, 0);
      };
      const atLeast = (n: number) =>
        waitUntil(`${n} rows stored`, async () => await stored() >= n, 120_000);

      // About 2,000 rows/s, so the faults below land while rows flow.
      const started = performance.now();
      const stream = new Gputel([
        ...["stream", "--broker", urls, "--csv", csv, "--no-loop"],
        ...["--rate", "500", "--workers", "4"],
      ]);
      await using _stream = stream;
      // Each kill takes the stream's leader: the server whose loss makes publishers wait.
      const n1 = await streamLeader(urls, servers);
      await atLeast(2_000);
      await n1.kill("SIGKILL");
      await atLeast(5_000);
      live.delete(c1);
      c1.proc.kill("SIGKILL");
      await c1.proc.wait();
      await n1.restart();
      await n1.ready(60_000);
      await atLeast(9_000);
      const n2 = await streamLeader(urls, servers);
      assert.notEqual(n2, n1, "a new leader was elected");
      await n2.kill("SIGKILL");
      // c1 comes back (as under systemd): rows it stored before dying are in its journal.
      const c1again = await collect("c1");
      await using _c1again = c1again.proc;
      live.add(c1again);
      all.push(c1again);
      await atLeast(13_000);
      await n2.restart();
      await n2.ready(60_000);

      const { code, output } = await stream.wait();
      const seconds = (performance.now() - started) / 1000;
      assert.equal(code, 0, output);
      assert.match(output, new RegExp(`confirmed=${ROWS}\\b`));
      const acks = /JetStream publish acks.*/.exec(output)?.[0] ?? "(no ack latency line)";
      console.log(`publish during failover: ${ROWS} rows in ${seconds.toFixed(1)} s; ${acks}`);

      const reader = await startRole(["api", "--data-dir", data], ["api"]);
      await using _api = reader.proc;
      const base = `http://127.0.0.1:${reader.api}`;
      // c1's unacked batches come back to c2 after the 3 s ack wait.
      await waitUntil(
        "every row through the API",
        async () => (await apiRows(base)).distinct >= ROWS,
        120_000,
      ).catch(async (err) => {
        const why = await diagnose(urls, c2, base);
        throw new Error(`${err.message}\n${why}\n${c2.proc.output.slice(-3000)}`);
      });
      // Copies of a batch stored twice (a collector killed between its write and its ack, an ack
      // lost in a failover) are one record: the read paths deduplicate by origin.
      assert.deepEqual(await apiRows(base), { records: ROWS, distinct: ROWS });
    } finally {
      for (const s of servers) await s.kill("SIGKILL");
      await Deno.remove(dir, { recursive: true });
    }
  },
);

import assert from "node:assert/strict";
import { join } from "node:path";
import { openLink } from "../../src/client/link.ts";
import { Publisher } from "../../src/client/publisher.ts";
import {
  BatchBuilder,
  encodeFrame,
  ErrorCode,
  type Frame,
  FrameType,
} from "../../src/protocol/mod.ts";
import { getJson, startRole, waitUntil } from "./_harness.ts";

/** Starts `gputel broker` on `dir` under `ulimit -n 1024`, on port 0. */
function limitedBroker(dir: string) {
  return startRole(["broker", "--data-dir", dir], ["tcp", "admin"], { nofile: 1024 });
}

interface Stats {
  topics: { name: string }[];
  storage: { open_files: number; max_open_files: number };
  connections: { limitRefusals: number; acceptErrors: number; connectionsRefused: number };
}

async function publishConfirmed(port: number, n: number): Promise<number> {
  const pub = await Publisher.connect({
    broker: { host: "127.0.0.1", port },
    topic: "telemetry",
    giveUpAfterMs: 20_000,
  });
  for (let i = 0; i < n; i++) await pub.publish(`GPU-${i % 7}`, new TextEncoder().encode(`${i}`));
  await pub.flush();
  await pub.close();
  return pub.counters.confirmed;
}

Deno.test({
  name:
    "3,000 topic names on one connection under ulimit -n 1024: ERROR LIMIT past --max-topics, the broker serves others, keeps descriptors for its log, and restarts",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "gputel-flood-" });
    const dir = join(root, "b");
    try {
      {
        const { proc: broker, tcp: port, admin } = await limitedBroker(dir);
        await using _broker = broker;
        const frames: Frame[] = [];
        const link = await openLink({ host: "127.0.0.1", port }, {
          clientId: "flood",
          onFrame: (f) => void frames.push(f),
        });
        const b = new BatchBuilder();
        b.add("k", new TextEncoder().encode("x"));
        const blob = b.take();
        for (let i = 0; i < 3000; i++) {
          link.fc.send(encodeFrame({
            type: FrameType.PUBLISH,
            correlationId: i + 1,
            topic: `flood-${i}`,
            partition: 0,
            count: 1,
            producerId: 0,
            sequence: 0,
            batch: blob,
          }));
        }
        // Meanwhile another client publishes to the configured topic.
        assert.equal(await publishConfirmed(port, 2000), 2000);
        await waitUntil("3,000 answers", () => frames.length === 3000, 120_000);
        const ok = frames.filter((f) => f.type === FrameType.PUBLISH_OK).length;
        const limit = frames.filter((f) =>
          f.type === FrameType.ERROR && f.code === ErrorCode.LIMIT
        );
        assert.equal(ok, 63, "telemetry plus 63 new topics = --max-topics 64");
        assert.equal(limit.length, 2937);
        assert.ok(!link.fc.closed, "the flooding connection itself stays usable");
        link.close();
        const stats = await getJson<Stats>(`http://127.0.0.1:${admin}/stats`);
        assert.equal(stats.topics.length, 64);
        assert.equal(stats.connections.limitRefusals, 2937);
        assert.ok(stats.storage.open_files <= stats.storage.max_open_files, JSON.stringify(stats));

        // 1,000 idle connections: past the limit that leaves the log its files
        // (1024 - 256 - 64 = 704) they are refused with ERROR 7; nothing runs out.
        assert.match(broker.output, /connection limit lowered.*now=704/);
        const conns: Deno.TcpConn[] = [];
        for (let i = 0; i < 1000; i++) {
          conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
        }
        await waitUntil(
          "refusals at the connection limit",
          async () =>
            (await getJson<Stats>(`http://127.0.0.1:${admin}/stats`)).connections
              .connectionsRefused > 0,
        );
        for (const c of conns) c.close();
        assert.equal(await publishConfirmed(port, 100), 100, "new clients are served again");
        broker.kill("SIGTERM");
        assert.equal((await broker.wait()).code, 0, broker.output);
        const lines = broker.output.split("\n");
        assert.ok(lines.filter((l) => /accept failed/.test(l)).length <= 1, "once per episode");
        const emfile = lines.filter((l) => /Too many open files/.test(l) && !/accept/.test(l));
        assert.deepEqual(emfile, [], "no file of the broker ever failed to open");
      }
      const { proc: again, tcp: port, admin } = await limitedBroker(dir);
      await using _again = again;
      const stats = await getJson<Stats>(`http://127.0.0.1:${admin}/stats`);
      assert.equal(stats.topics.length, 64, "every topic came back");
      assert.ok(stats.storage.open_files <= stats.storage.max_open_files);
      assert.equal(await publishConfirmed(port, 100), 100);
      assert.doesNotMatch(again.output, /Too many open files/);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

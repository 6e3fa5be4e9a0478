import assert from "node:assert/strict";
import { join } from "node:path";
import { Publisher } from "../../src/client/publisher.ts";
import { jsonlLines, startBrokerAndCollector, waitUntil } from "./_harness.ts";
import { mulberry32 as prng } from "../../src/stream/prng.ts";

const TOTAL = 6_000;
const KILLS = 5;
const enc = new TextEncoder();

Deno.test("the broker SIGKILLed and restarted 5 times mid-stream loses no confirmed message", async () => {
  const root = await Deno.makeTempDir({ prefix: "gputel-killloop-" });
  const procs = await startBrokerAndCollector(root);
  const { port, startBroker } = procs;
  let broker = procs.broker;
  await using _collector = procs.collector; // stopped when the test ends
  const pub = await Publisher.connect({
    broker: { host: "127.0.0.1", port },
    topic: "telemetry",
    batchSize: 50,
  });

  // Kill at seeded random moments while the publisher runs at about 1,000 msgs/s.
  const rnd = prng(2026);
  const killAt = Array.from({ length: KILLS }, () => 300 + Math.floor(rnd() * 5_000)).sort((a, b) =>
    a - b
  );
  const started = Date.now();
  const killer = (async () => {
    for (const at of killAt) {
      await new Promise((r) => setTimeout(r, Math.max(0, started + at - Date.now())));
      broker.kill("SIGKILL");
      await broker.wait();
      broker = await startBroker();
    }
  })();
  for (let i = 0; i < TOTAL; i++) {
    const message = {
      timestamp: new Date().toISOString(),
      fields: { uuid: `GPU-${i % 40}`, seq: i },
    };
    await pub.publish(`GPU-${i % 40}`, enc.encode(JSON.stringify(message)));
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 10));
  }
  await killer;
  await pub.flush(); // every message is confirmed now (resent after each kill as needed)
  assert.equal(pub.counters.confirmed, TOTAL);
  assert.ok(pub.counters.reconnects >= 1, "the kills reached the publisher");
  await pub.close();

  const seqs = async () =>
    (await jsonlLines(join(root, "c"))).map((l) => JSON.parse(l).metrics.seq as number);
  await waitUntil(
    "every confirmed seq stored",
    async () => new Set(await seqs()).size >= TOTAL,
    60_000,
  );
  const all = await seqs();
  const unique = new Set(all);
  const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !unique.has(i));
  assert.deepEqual(missing, [], "confirmed messages lost");
  console.log(
    `kill loop: ${KILLS} kills, ${TOTAL} confirmed, 0 lost, ${
      all.length - unique.size
    } duplicates stored`,
  );
  broker.kill("SIGKILL");
  await broker.wait();
  await Deno.remove(root, { recursive: true });
});

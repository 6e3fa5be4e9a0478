import assert from "node:assert/strict";
import { createAdminApp } from "../../src/broker/admin.ts";
import { startBrokerServer } from "../../src/broker/server.ts";
import { Publisher } from "../../src/client/publisher.ts";
import { Subscriber } from "../../src/client/subscriber.ts";
import { checkExposition } from "../obs/_prom_check.ts";

const enc = new TextEncoder();

async function busyBroker() {
  const server = await startBrokerServer({ port: 0, partitions: 2 });
  const broker = { host: "127.0.0.1", port: server.addr.port };
  const sub = await Subscriber.connect({ broker, topic: "telemetry", group: "collectors" });
  const pub = await Publisher.connect({ broker, topic: "telemetry" });
  for (let i = 0; i < 10; i++) await pub.publish(`GPU-${i}`, enc.encode(`{"i":${i}}`));
  await pub.flush();
  let n = 0;
  for await (const d of sub.deliveries()) {
    n += d.messages.length;
    sub.ack(d.partition, d.end);
    if (n === 10) break;
  }
  const group = server.core.topic("telemetry").groups.get("collectors")!;
  while (group.counters.acked < 10) await new Promise((r) => setTimeout(r, 5)); // acks in transit
  return {
    server,
    app: createAdminApp(server),
    async [Symbol.asyncDispose]() {
      await pub.close();
      await sub.close();
      await server.close();
    },
  };
}

Deno.test("/metrics is well-formed Prometheus exposition with HELP and TYPE for every family", async () => {
  await using b = await busyBroker();
  const res = await b.app.request("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  const samples = checkExposition(await res.text());
  const published = samples.find((s) => s.name === "gputel_topic_published_messages_total");
  assert.equal(published?.value, 10);
  assert.equal(published?.labels, '{topic="telemetry"}');
  const lag = samples.filter((s) => s.name === "gputel_group_lag");
  assert.equal(lag.length, 2);
  assert.ok(lag.every((s) => s.value === 0 && /group="collectors"/.test(s.labels)));
  for (const s of samples) {
    assert.doesNotMatch(s.labels, /member|client|c\d+\.s\d+/, "bounded label cardinality");
  }
  const rss = samples.find((s) => s.name === "process_resident_memory_bytes");
  assert.ok(rss && rss.value > 10e6, "the broker's own RSS is exposed");
});

Deno.test("/stats reports partitions, group lag, members and connections", async () => {
  await using b = await busyBroker();
  const stats = await (await b.app.request("/stats")).json();
  assert.equal(stats.connections.connectionsOpen, 2);
  const t = stats.topics.find((x: { name: string }) => x.name === "telemetry");
  assert.equal(t.partitions.reduce((n: number, p: { messages: number }) => n + p.messages, 0), 10);
  const g = t.groups[0];
  assert.equal(g.name, "collectors");
  assert.equal(g.lag, 0);
  assert.equal(g.members.length, 1);
  assert.deepEqual(g.members[0].partitions, [0, 1]);
  assert.equal(g.counters.acked, 10);
  assert.ok(
    stats.process.rss_bytes >= stats.process.heap_used_bytes,
    JSON.stringify(stats.process),
  );
  assert.ok(stats.process.external_bytes > 0);
});

Deno.test("/topics/{name} answers 404 problem+json for an unknown topic", async () => {
  await using b = await busyBroker();
  const res = await b.app.request("/topics/nope");
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  assert.equal((await res.json()).status, 404);
  const ok = await b.app.request("/topics/telemetry");
  assert.equal((await ok.json()).name, "telemetry");
});

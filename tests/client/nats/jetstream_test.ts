import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import {
  JetStreamSink,
  type JetStreamSinkOptions,
  JetStreamSource,
} from "../../../src/client/nats/mod.ts";
import type { SourceDelivery } from "../../../src/client/source.ts";
import { decodeBatch } from "../../../src/protocol/mod.ts";
import { NatsServer, natsTest } from "../../e2e/_nats.ts";
import { waitUntil } from "../../e2e/_harness.ts";

const topic = { topic: "t", partitions: 4, replicas: 1, maxAgeMs: 0, maxBytesPerPartition: 0 };
const group = (name: string) => ({ group: name, ackWaitMs: 30_000, maxDeliveries: 3 });
const encoder = new TextEncoder();

function nats(server: NatsServer) {
  return { servers: [server.url], name: "test" };
}

async function publishIds(o: JetStreamSinkOptions, total: number): Promise<JetStreamSink> {
  const sink = await JetStreamSink.connect(o);
  for (let i = 0; i < total; i++) await sink.publish(`GPU-${i % 97}`, encoder.encode(String(i)));
  await sink.flush();
  return sink;
}

/** Pulls with each source, acking, until `total` distinct ids arrived; returns ids per source. */
async function consumeAll(sources: JetStreamSource[], total: number): Promise<number[][]> {
  const seen = new Set<number>();
  const got: number[][] = sources.map(() => []);
  const done = Promise.withResolvers<void>();
  const loops = sources.map(async (src, k) => {
    for await (const d of src.deliveries()) {
      for (const m of d.messages) {
        const id = Number(new TextDecoder().decode(m.payload));
        got[k].push(id);
        seen.add(id);
      }
      src.ackDelivery(d);
      if (seen.size >= total) done.resolve();
    }
  });
  const timer = setTimeout(() => done.resolve(), 30_000);
  await done.promise;
  clearTimeout(timer);
  await Promise.all(sources.map((s) => s.close()));
  await Promise.all(loops);
  return got;
}

natsTest(
  "JetStream: two members of a group split every message, each once; another group gets all",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "gputel-js-" });
    await using server = await NatsServer.start(dir);
    const sink = await publishIds({ nats: nats(server), topic, batchSize: 50 }, 5_000);
    assert.equal(sink.counters.confirmed, 5_000);
    await sink.close();
    const connectTo = (g: string) =>
      JetStreamSource.connect({ nats: nats(server), topic, group: group(g), pullBatches: 4 });
    const [a1, a2, b1] = [await connectTo("A"), await connectTo("A"), await connectTo("B")];
    const [inA1, inA2] = await consumeAll([a1, a2], 5_000);
    const [inB] = await consumeAll([b1], 5_000);
    assert.equal(inA1.length + inA2.length, 5_000, "group A: each message once");
    assert.equal(new Set([...inA1, ...inA2]).size, 5_000);
    assert.ok(inA1.length > 0 && inA2.length > 0, `split ${inA1.length}/${inA2.length}`);
    assert.equal(inB.length, 5_000, "group B: every message");
    await Deno.remove(dir, { recursive: true });
  },
);

natsTest("JetStream: a resend after a lost publish ack is stored once (message ids)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-js-" });
  await using server = await NatsServer.start(dir);
  const sink = await JetStreamSink.connect({
    nats: nats(server),
    topic,
    batchSize: 10,
    lingerMs: 600_000, // only flush() sends the batch
    ackTimeoutMs: 300,
  });
  await sink.publish("GPU-1", encoder.encode("0"));
  await server.kill("SIGSTOP"); // the batch reaches the socket, its ack cannot come
  const flushed = sink.flush();
  // The ack cannot come while the server is stopped: wait for the resend it causes.
  await waitUntil("the batch to be resent", () => sink.counters.retried >= 1);
  await server.kill("SIGCONT");
  await flushed;
  assert.ok(sink.counters.retried >= 1, "the batch was resent");
  await sink.close();
  const nc = await connect({ servers: server.url });
  const info = await (await jetstreamManager(nc)).streams.info("GPUTEL_t");
  assert.equal(info.state.messages, 1, "the server stored the batch once");
  await nc.close();
  await Deno.remove(dir, { recursive: true });
});

natsTest(
  "JetStream: a stream that exists with other settings is an error naming them, left as is",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "gputel-js-" });
    await using server = await NatsServer.start(dir);
    (await publishIds({ nats: nats(server), topic }, 1)).close();
    const other = { ...topic, partitions: 6, maxAgeMs: 60_000 };
    await assert.rejects(
      JetStreamSink.connect({ nats: nats(server), topic: other }),
      (e: Error) =>
        e instanceof RangeError && /GPUTEL_t exists with other settings/.test(e.message) &&
        /subjects: existing t\.0,t\.1,t\.2,t\.3, wanted t\.0,.*t\.5/.test(e.message) &&
        /max_age: existing 0 ms, wanted 60000 ms/.test(e.message),
    );
    const nc = await connect({ servers: server.url });
    const info = await (await jetstreamManager(nc)).streams.info("GPUTEL_t");
    assert.equal(info.config.subjects.length, 4);
    assert.equal(info.state.messages, 1);
    await nc.close();
    await Deno.remove(dir, { recursive: true });
  },
);

natsTest(
  "JetStream: a rejected message goes to <topic>.dlq; a batch never acked goes there after max deliveries",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "gputel-js-" });
    await using server = await NatsServer.start(dir);
    const sink = await publishIds({ nats: nats(server), topic: { ...topic, partitions: 1 } }, 3);
    await sink.close();
    const one = { ...topic, partitions: 1 };
    // Group R rejects message 1 of the batch; group N never acks, with 2 deliveries of 300 ms.
    const r = await JetStreamSource.connect({ nats: nats(server), topic: one, group: group("R") });
    for await (const d of r.deliveries()) {
      r.nackMessage(d, d.first + 1);
      r.ackDelivery(d);
      break;
    }
    const n = await JetStreamSource.connect({
      nats: nats(server),
      topic: one,
      group: { group: "N", ackWaitMs: 300, maxDeliveries: 2 },
    });
    const attempts: SourceDelivery[] = [];
    const loop = (async () => {
      for await (const d of n.deliveries()) attempts.push(d);
    })();
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    const deadline = Date.now() + 20_000;
    while ((await jsm.streams.info("GPUTEL_t_dlq")).state.messages < 2 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
    }
    await n.close();
    await r.close();
    await loop;
    assert.deepEqual(attempts.map((d) => d.attempt), [1, 2]);
    const rejected = await jsm.streams.getMessage("GPUTEL_t_dlq", { seq: 1 });
    const expired = await jsm.streams.getMessage("GPUTEL_t_dlq", { seq: 2 });
    const payloads = (m: typeof rejected) =>
      decodeBatch(m!.data, Number(m!.header.get("Gputel-Count")))
        .map((x) => new TextDecoder().decode(x.payload)).join(",");
    assert.equal(rejected!.header.get("Gputel-Count"), "1");
    assert.equal(payloads(rejected), "1");
    assert.match(rejected!.header.get("Gputel-Dead-Letter"), /^nats:GPUTEL_t@.+\/0\/1\/R$/);
    assert.equal(expired!.header.get("Gputel-Count"), "3");
    assert.equal(payloads(expired), "0,1,2");
    assert.equal((await jsm.streams.info("GPUTEL_t_dlq")).state.messages, 2);
    await nc.close();
    await Deno.remove(dir, { recursive: true });
  },
);

/**
 * A gputel benchmark client process: `pub` publishes `--count` messages of
 * `--size` bytes with confirms; `sub` consumes `--count` in `--group` with
 * acks and samples publish→deliver latency. Prints one JSON ClientReport.
 * With `--nats URL` both go through gputel's JetStream transport instead of
 * a gputel broker (`--port` unused).
 *
 * @module
 */
import { JetStreamSink, JetStreamSource } from "../src/client/nats/mod.ts";
import { Publisher } from "../src/client/publisher.ts";
import type { Sink } from "../src/client/sink.ts";
import type { Source, SourceDelivery } from "../src/client/source.ts";
import { Delivery, Subscriber } from "../src/client/subscriber.ts";
import {
  arg,
  type ClientReport,
  LatencySampler,
  nowMs,
  stamp,
  stampAt,
  subReport,
  YIELD_EVERY,
  yieldToEventLoop,
} from "./_stats.ts";

const [role, ...rest] = Deno.args;
const broker = { host: "127.0.0.1", port: Number(arg(rest, "port")) };
const count = Number(arg(rest, "count"));
const size = Number(arg(rest, "size", "256"));
const topic = arg(rest, "topic", "bench");
const natsUrl = arg(rest, "nats", "");
const nats = { servers: [natsUrl], name: `bench-${role}` };
const natsTopic = { topic, partitions: 8, replicas: 1, maxAgeMs: 0, maxBytesPerPartition: 0 };

if (role === "pub") {
  const options = { batchSize: 1000, bufferMessages: 200_000 };
  const pub: Sink & { offer?: Publisher["offer"] } = natsUrl
    ? await JetStreamSink.connect({ nats, topic: natsTopic, ...options })
    : await Publisher.connect({ broker, topic, window: 64, ...options });
  const keys = Array.from({ length: 256 }, (_, i) => `GPU-${i.toString(16).padStart(8, "0")}`);
  // The publisher copies each payload into its batch, so one buffer serves
  // every message; one in 64 carries its send time for the latency sample.
  const payload = new Uint8Array(size);
  const start = nowMs();
  for (let i = 0; i < count; i++) {
    if ((i & 63) === 0) stamp(payload);
    else if ((i & 63) === 1) payload.fill(0, 0, 8);
    if (!pub.offer?.(keys[i & 255], payload)) await pub.publish(keys[i & 255], payload);
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
  }
  await pub.flush();
  const report: ClientReport = { role: "pub", messages: count, start, end: nowMs() };
  console.log(JSON.stringify(report));
  await pub.close();
} else {
  const group = arg(rest, "group", "bench");
  const sub: Source = natsUrl
    ? await JetStreamSource.connect({
      nats,
      topic: natsTopic,
      group: { group, ackWaitMs: 30_000, maxDeliveries: 5 },
      pullBatches: 64,
    })
    : await Subscriber.connect({
      broker,
      topic,
      group,
      creditMessages: 100_000,
      creditBytes: 128 * 1024 * 1024,
    });
  console.log(JSON.stringify({ ready: true }));
  // Members of one group split the partitions: each stops at --count or once
  // nothing arrived for --idle-ms after its first message.
  const idleMs = Number(arg(rest, "idle-ms", "1500"));
  const sampler = new LatencySampler(count / 64);
  let n = 0;
  let start = 0;
  let last = 0;
  const idle = setInterval(() => {
    if (n > 0 && nowMs() - last > idleMs) void sub.close();
  }, 100);
  let now = 0;
  const sample = (bytes: Uint8Array, at: number) => {
    const sent = stampAt(bytes, at);
    if (sent > 0) sampler.add(now - sent);
  };
  // The built-in broker's deliveries are walked without decoding keys.
  const visit = (d: SourceDelivery) =>
    d instanceof Delivery
      ? d.forEachPayload(sample)
      : d.messages.forEach((m) => sample(m.payload, 0));
  for await (const d of sub.deliveries()) {
    now = nowMs();
    if (n === 0) start = now;
    last = now;
    visit(d);
    n += d.end - d.first;
    sub.ackDelivery(d);
    if (n >= count) break;
  }
  clearInterval(idle);
  console.log(JSON.stringify(subReport(n, start, last, sampler)));
  await sub.close();
}

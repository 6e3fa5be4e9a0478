/**
 * NATS benchmark client (official npm client, run by Deno): `core-pub` /
 * `core-sub` for NATS core (no acks), `js-pub` / `js-sub` for JetStream with
 * file storage, acked publishes and an acked pull consumer. Same payloads
 * and report format as gputel_client.ts. `js-paced-pub` / `js-paced-sub`:
 * the JetStream side of the paced latency scenario (scenario_latency.ts),
 * with the same JSON messages and rate as bench/stored_client.ts.
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import {
  arg,
  type ClientReport,
  LatencySampler,
  LoopLag,
  nowMs,
  stamp,
  stampOf,
  subReport,
  YIELD_EVERY,
} from "./_stats.ts";

const [mode, ...rest] = Deno.args;
const port = Number(arg(rest, "port"));
const count = Number(arg(rest, "count"));
const size = Number(arg(rest, "size", "256"));
const nc = await connect({ servers: `127.0.0.1:${port}` });
const SUBJECT = "bench.msgs";

async function publishAll(
  send: (payload: Uint8Array) => Promise<unknown> | void,
  window: number,
): Promise<void> {
  // The client keeps a reference to each payload until its buffer is
  // written, so a payload must not change after it is handed over: one in
  // 64 gets a fresh buffer with its send time, the rest share one zeroed
  // buffer (as gputel's publisher, which copies each payload into its batch,
  // is handed one reused buffer). A copy per message would be the bench's
  // cost, not NATS's.
  const zeros = new Uint8Array(size);
  const start = nowMs();
  const pending = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    let payload = zeros;
    if ((i & 63) === 0) stamp(payload = new Uint8Array(size));
    const p = send(payload);
    if (p) {
      pending.add(p);
      void p.finally(() => pending.delete(p));
      if (pending.size >= window) await Promise.race(pending);
    } else if (i % YIELD_EVERY === YIELD_EVERY - 1) {
      // NATS core has no publisher flow control: a flush (a round trip to the
      // server) every YIELD_EVERY messages keeps the publisher from running
      // ahead of the subscriber. Measured at 3M messages: 319-322k msgs/s with
      // it, 233k without (the subscriber then lags by seconds).
      await nc.flush();
    }
  }
  await Promise.all(pending);
  await nc.flush();
  const report: ClientReport = { role: "pub", messages: count, start, end: nowMs() };
  console.log(JSON.stringify(report));
}

function receiver() {
  const sampler = new LatencySampler(count / 64);
  let n = 0, start = 0, last = 0;
  return {
    take(payload: Uint8Array): boolean {
      const now = nowMs();
      if (n === 0) start = now;
      last = now;
      const sent = stampOf(payload);
      if (sent > 0) sampler.add(now - sent);
      return ++n >= count;
    },
    report(): ClientReport {
      return subReport(n, start, last, sampler);
    },
  };
}

/**
 * Consumes `count` paced messages with an acked pull consumer and acks each
 * as it arrives (no store behind it: the lightest a consumer can be).
 * Latency: publish → acked, after the first `warmup` messages
 * (`latencies`), and over the whole run (`whole`).
 */
async function pacedSubscriber(js: ReturnType<typeof jetstream>, warmup: number): Promise<void> {
  const consumer = await js.consumers.get("BENCH", "bench");
  const messages = await consumer.consume({ max_messages: 1000 });
  console.log(JSON.stringify({ ready: true }));
  const acked = new LatencySampler(count - warmup);
  const whole = new LatencySampler(count);
  const dec = new TextDecoder();
  const lag = new LoopLag();
  let n = 0, start = 0, last = 0;
  for await (const m of messages) {
    const { sent, seq } = JSON.parse(dec.decode(m.data)).fields;
    m.ack();
    const now = nowMs();
    if (n === 0) start = now;
    last = now;
    whole.add(now - sent);
    if (seq >= warmup) acked.add(now - sent);
    if (++n >= count) break;
  }
  await nc.flush(); // the last acks reach the server
  const report = { role: "sub", messages: n, start, end: last, latencies: acked.samples };
  console.log(JSON.stringify({ ...report, whole: whole.samples, lag: lag.stop() }));
}

if (mode === "core-pub") {
  await publishAll((p) => nc.publish(SUBJECT, p), 1);
} else if (mode === "core-sub") {
  // A callback subscription: nats.js's fast path (the async iterator costs a
  // promise per message).
  const r = receiver();
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const sub = nc.subscribe(SUBJECT, {
    callback: (_err, m) => {
      if (r.take(m.data)) done();
    },
  });
  await nc.flush();
  console.log(JSON.stringify({ ready: true }));
  await all;
  sub.unsubscribe();
  console.log(JSON.stringify(r.report()));
} else if (mode === "js-setup") {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "BENCH", subjects: [SUBJECT], storage: StorageType.File });
  await jsm.consumers.add("BENCH", { durable_name: "bench", ack_policy: AckPolicy.Explicit });
  console.log(JSON.stringify({ ready: true }));
} else if (mode === "js-pub") {
  const js = jetstream(nc);
  await publishAll((p) => js.publish(SUBJECT, p), 256);
} else if (mode === "js-paced-pub") {
  const js = jetstream(nc);
  const rate = Number(arg(rest, "rate"));
  const warmup = Number(arg(rest, "warmup", "0"));
  const enc = new TextEncoder();
  // publish → the server's ack (stored, and with sync_interval: always synced)
  const stored = new LatencySampler(count - warmup);
  const lag = new LoopLag();
  const start = nowMs();
  const pending = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const uuid = `GPU-${(i % 64).toString(16).padStart(8, "0")}`;
    const fields = { uuid, seq: i, sent: nowMs() };
    const body = enc.encode(JSON.stringify({ timestamp: new Date().toISOString(), fields }));
    // Acked publishes, not awaited one by one: like gputel's publisher, a
    // bounded window of unacknowledged ones.
    const p = js.publish(SUBJECT, body);
    if (i >= warmup) void p.then(() => stored.add(nowMs() - fields.sent), () => {});
    pending.add(p);
    void p.finally(() => pending.delete(p));
    if (pending.size >= 256) await Promise.race(pending);
  }
  await Promise.all(pending);
  const report: ClientReport = { role: "pub", messages: count, start, end: nowMs() };
  console.log(JSON.stringify({ ...report, stored: stored.samples, lag: lag.stop() }));
} else if (mode === "js-paced-sub") {
  await pacedSubscriber(jetstream(nc), Number(arg(rest, "warmup", "0")));
} else if (mode === "js-sub") {
  const js = jetstream(nc);
  const consumer = await js.consumers.get("BENCH", "bench");
  const messages = await consumer.consume({ max_messages: 1000 });
  console.log(JSON.stringify({ ready: true }));
  const r = receiver();
  for await (const m of messages) {
    m.ack();
    if (r.take(m.data)) break;
  }
  console.log(JSON.stringify(r.report()));
}
await nc.drain();

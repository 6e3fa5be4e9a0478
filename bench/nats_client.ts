/**
 * NATS benchmark client (official npm client, run by Deno): `core-pub` /
 * `core-sub` for NATS core (no acks), `js-pub` / `js-sub` for JetStream with
 * file storage, acked publishes and an acked pull consumer. Same payloads
 * and report format as gputel_client.ts.
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import {
  arg,
  type ClientReport,
  LatencySampler,
  nowMs,
  stamp,
  stampOf,
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
  const payload = new Uint8Array(size);
  const start = nowMs();
  const pending = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    if ((i & 63) === 0) stamp(payload);
    else if ((i & 63) === 1) payload.fill(0, 0, 8);
    const p = send(payload.slice());
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
      return { role: "sub", messages: n, start, end: last, latencies: sampler.samples };
    },
  };
}

if (mode === "core-pub") {
  await publishAll((p) => nc.publish(SUBJECT, p), 1);
} else if (mode === "core-sub") {
  const sub = nc.subscribe(SUBJECT);
  await nc.flush();
  console.log(JSON.stringify({ ready: true }));
  const r = receiver();
  for await (const m of sub) if (r.take(m.data)) break;
  console.log(JSON.stringify(r.report()));
} else if (mode === "js-setup") {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "BENCH", subjects: [SUBJECT], storage: StorageType.File });
  await jsm.consumers.add("BENCH", { durable_name: "bench", ack_policy: AckPolicy.Explicit });
  console.log(JSON.stringify({ ready: true }));
} else if (mode === "js-pub") {
  const js = jetstream(nc);
  await publishAll((p) => js.publish(SUBJECT, p), 256);
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

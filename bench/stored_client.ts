/**
 * Publish-to-stored latency: `pub` publishes telemetry messages at a steady
 * `--rate` carrying their send time; `store` consumes them like the
 * collector (CollectorStore: JSONL per GPU, fsync, Deno KV checkpoint, then
 * ack) and measures send → stored for every message. The first `--warmup`
 * messages (the run's first second: JIT compilation, first files) count
 * only in the whole-run figures; the steady-state ones start after them.
 * `--fsync false` runs the store without fdatasync (the no-fsync variant).
 * Both report how late their event loop ran a timer (`lag`).
 *
 * @module
 */
import { Publisher } from "../src/client/publisher.ts";
import { type Delivery, Subscriber } from "../src/client/subscriber.ts";
import { RoundQueue } from "../src/collect/round_queue.ts";
import { CollectorStore } from "../src/collect/store.ts";
import { arg, type ClientReport, LatencySampler, LoopLag, nowMs } from "./_stats.ts";

const [mode, ...rest] = Deno.args;
const broker = { host: "127.0.0.1", port: Number(arg(rest, "port")) };
const count = Number(arg(rest, "count"));
const enc = new TextEncoder();

if (mode === "pub") {
  const rate = Number(arg(rest, "rate"));
  const pub = await Publisher.connect({ broker, topic: "stored", lingerMs: 1 });
  const lag = new LoopLag();
  const start = nowMs();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const uuid = `GPU-${(i % 64).toString(16).padStart(8, "0")}`;
    const message = {
      timestamp: new Date().toISOString(),
      fields: { uuid, seq: i, sent: nowMs() },
    };
    await pub.publish(uuid, enc.encode(JSON.stringify(message)));
  }
  await pub.flush();
  const report: ClientReport = { role: "pub", messages: count, start, end: nowMs() };
  console.log(JSON.stringify({ ...report, lag: lag.stop() }));
  await pub.close();
} else {
  const dir = arg(rest, "dir");
  const store = await CollectorStore.open({ dir, fsync: arg(rest, "fsync", "true") === "true" });
  const sub = await Subscriber.connect({ broker, topic: "stored", group: "latency" });
  console.log(JSON.stringify({ ready: true }));
  const warmup = Number(arg(rest, "warmup", "0"));
  const sampler = new LatencySampler(count - warmup);
  const whole = new LatencySampler(count);
  // Where the time goes: publish → the delivery reaching this process, its
  // wait in the queue for a round to start, and each store round (written,
  // fdatasynced, acked).
  const delivered = new LatencySampler(count - warmup);
  const queued = new LatencySampler(count - warmup);
  const rounds: number[] = [];
  const lag = new LoopLag();
  const arrived = new WeakMap<Delivery, number>();
  let n = 0, start = 0, last = 0;
  const dec = new TextDecoder();
  let finished!: () => void;
  const all = new Promise<void>((r) => (finished = r));
  // Like the collect role: every delivery queued while a round is written
  // goes into the next round (one append per file, one fsync round, one KV
  // commit), and each is acked after its round.
  const queue = new RoundQueue<Delivery>(async (ds) => {
    const began = nowMs();
    await store.writeMany(ds.map((d) => ({
      topic: "stored",
      group: "latency",
      partition: d.partition,
      messages: d.messages,
    })));
    const now = nowMs();
    rounds.push(now - began);
    for (const d of ds) {
      sub.ack(d.partition, d.end);
      if (n === 0) start = now;
      last = now;
      for (const m of d.messages) {
        const { sent, seq } = JSON.parse(dec.decode(m.payload)).fields;
        whole.add(now - sent);
        if (seq < warmup) continue;
        sampler.add(now - sent);
        delivered.add(arrived.get(d)! - sent);
        queued.add(began - arrived.get(d)!);
      }
      n += d.messages.length;
    }
    if (n >= count) finished();
  }, (d) => ({ messages: d.messages.length, bytes: 0 }));
  void (async () => {
    for await (const d of sub.deliveries()) {
      arrived.set(d, nowMs());
      await queue.push(d);
    }
  })();
  await all;
  console.log(
    JSON.stringify({
      role: "sub",
      messages: n,
      start,
      end: last,
      latencies: sampler.samples,
      whole: whole.samples,
      delivered: delivered.samples,
      queued: queued.samples,
      rounds,
      lag: lag.stop(),
    }),
  );
  await sub.close();
  await store.close();
  Deno.exit(0);
}

/**
 * Publish → stored latency at a steady rate (the end-to-end throughput is in
 * `scenario_e2e.ts`).
 *
 * @module
 */
import { type BenchResult, fromReports, stageFigures, stageNote } from "./_result.ts";
import { Proc, ROOT } from "./_procs.ts";
import type { ClientReport } from "./_stats.ts";

/** Options of {@linkcode benchStoredLatency}. */
export interface StoredLatencyOptions {
  /** Messages per second. */
  rate: number;
  /** Length of the run, s (the first second is warm-up). */
  seconds: number;
  /**
   * fdatasync before a confirm (broker `--fsync always`) and before a store
   * round's ack (the collector's journal); false runs both without it
   * (`--fsync never`, store `fsync: false`), to show what the syncs cost.
   * @default {true}
   */
  fsync?: boolean;
}

/**
 * Publish → stored (JSONL written, journal fdatasynced, acked) latency at a
 * steady rate: p50/p99 after the first second (warm-up), with where the time
 * goes in `stages` (each ms from the message's send stamp, or one stage's
 * own duration): publish → at the broker, → durable (confirmed,
 * deliverable), → delivered to the store process, → stored; the broker's
 * commit (append → durable, per batch), the store's queue wait and round;
 * and each process's event-loop lag.
 */
export async function benchStoredLatency(o: StoredLatencyOptions): Promise<BenchResult> {
  const fsync = o.fsync ?? true;
  const dir = await Deno.makeTempDir({ prefix: "gputel-lat-" });
  const count = o.rate * o.seconds;
  const warmup = String(Math.min(o.rate, Math.floor(count / 2)));
  const common = ["--count", String(count)];
  const broker = Proc.deno("broker", `${ROOT}bench/latency_broker.ts`, [
    ...common,
    ...["--warmup", warmup, "--data-dir", `${dir}/b`, "--fsync", fsync ? "always" : "never"],
  ], true);
  try {
    const { port } = await broker.json<{ port: number }>();
    const script = `${ROOT}bench/stored_client.ts`;
    const at = [...common, "--port", String(port)];
    const store = Proc.deno("store", script, [
      ...["store", ...at, "--dir", `${dir}/c`, "--warmup", warmup, "--fsync", String(fsync)],
    ], true);
    await store.json();
    const pub = Proc.deno("pub", script, ["pub", ...at, "--rate", String(o.rate)]);
    type Lagged = { lag: number[] };
    type StoreReport = ClientReport & Lagged & {
      whole: number[];
      delivered: number[];
      queued: number[];
      rounds: number[];
    };
    type BrokerReport = Lagged & {
      atBroker: number[];
      durable: number[];
      commit: number[];
      syncs: number[];
    };
    const [published, stored, b] = await Promise.all([
      pub.json<ClientReport & Lagged>(),
      store.json<StoreReport>(),
      broker.json<BrokerReport>(),
    ]);
    await Promise.all([pub.finish(), store.finish()]);
    const stages = stageFigures({
      "publish → at broker": b.atBroker,
      "publish → durable": b.durable,
      "publish → delivered": stored.delivered,
      "publish → stored": stored.latencies ?? [],
      "broker commit (append → durable)": b.commit,
      "broker fdatasync (one file)": b.syncs,
      "store queue wait": stored.queued,
      "store round": stored.rounds,
      "loop lag pub": published.lag,
      "loop lag broker": b.lag,
      "loop lag store": stored.lag,
    });
    const result = fromReports(
      {
        scenario: `publish → stored at ${o.rate}/s`,
        system: `gputel (fsync ${fsync ? "always" : "off"}) + collector store`,
        persisted: true,
        acked: true,
      },
      [published, stored],
      0,
    );
    const whole = stageFigures({ whole: stored.whole }).whole;
    const note = `after 1 s warm-up; whole run p50/p99 ${whole.p50}/${whole.p99}; ` +
      `p50/p99/max ms: ${stageNote(stages)}`;
    return { ...result, note, stages };
  } finally {
    await broker.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

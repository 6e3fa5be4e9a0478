/**
 * The JetStream side of the paced latency scenario: the same JSON messages
 * at the same rate as gputel's publish → stored (scenario_pipeline.ts),
 * published with acks into a file-store stream and consumed by an acked pull
 * consumer that acks each message as it arrives. Its latency is publish →
 * the consumer acked it (gputel's goes on to a JSONL write and fdatasync).
 * With `syncAlways` the server fsyncs each write before acking it
 * (`sync_interval: always`, nats-server 2.10+), like gputel's `--fsync
 * always`; by default it syncs every 2 minutes.
 *
 * @module
 */
import { type BenchResult, fromReports, skipped, stageFigures, stageNote } from "./_result.ts";
import { onPath, Proc, ROOT, startNatsServer } from "./_procs.ts";
import type { ClientReport } from "./_stats.ts";
import { runSetup } from "./scenario_external.ts";

const NATS = `${ROOT}bench/nats_client.ts`;
const SCENARIO = (rate: number) => `publish → consumer ack at ${rate}/s`;

/** Options of {@linkcode benchJetStreamLatency}. */
export interface JetStreamLatencyOptions {
  /** Messages per second. */
  rate: number;
  /** Length of the run, s (the first second is warm-up). */
  seconds: number;
  /** fsync each write before its ack (`sync_interval: always`). @default {false} */
  syncAlways?: boolean;
  /** The nats-server binary. @default {"nats-server"} */
  binary?: string;
}

/** The server's version as [major, minor], or undefined when it does not run. */
async function natsVersion(binary: string): Promise<[number, number] | undefined> {
  try {
    const out = await new Deno.Command(binary, { args: ["--version"], stdout: "piped" }).output();
    const m = /v(\d+)\.(\d+)/.exec(new TextDecoder().decode(out.stdout));
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Paced JetStream latency: p50/p99 after the first second (warm-up), with
 * the whole run's in the note and the publish → server ack (stored) and
 * event-loop lags in `stages`.
 */
export async function benchJetStreamLatency(o: JetStreamLatencyOptions): Promise<BenchResult> {
  const binary = o.binary ?? "nats-server";
  const system = `nats-jetstream (file${
    o.syncAlways ? ", sync always" : ""
  }) + acked pull consumer`;
  if (binary === "nats-server" && !(await onPath(binary))) {
    return skipped(
      SCENARIO(o.rate),
      system,
      "nats-server not on PATH (apt-get install nats-server)",
    );
  }
  const version = await natsVersion(binary);
  if (!version) return skipped(SCENARIO(o.rate), system, `${binary} --version failed`);
  const [major, minor] = version;
  if (o.syncAlways && major === 2 && minor < 10) {
    return skipped(
      SCENARIO(o.rate),
      system,
      `nats-server ${major}.${minor} has no sync_interval (2.10+; see BENCHMARKS.md)`,
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "gputel-jslat-" });
  const { proc: server, port } = await startNatsServer(dir, { binary, syncAlways: o.syncAlways });
  try {
    await runSetup("js-setup", NATS, "js-setup", port);
    const count = o.rate * o.seconds;
    const common = ["--port", String(port), "--count", String(count)];
    const warmup = String(Math.min(o.rate, Math.floor(count / 2)));
    const sub = Proc.deno("js-paced-sub", NATS, ["js-paced-sub", ...common, "--warmup", warmup]);
    await sub.json();
    const pub = Proc.deno("js-paced-pub", NATS, [
      ...["js-paced-pub", ...common, "--rate", String(o.rate), "--warmup", warmup],
    ]);
    type Lagged = { lag: number[] };
    type SubReport = ClientReport & Lagged & { whole: number[] };
    const [published, got] = await Promise.all([
      pub.json<ClientReport & Lagged & { stored: number[] }>(),
      sub.json<SubReport>(),
    ]);
    await Promise.all([pub.finish(), sub.finish()]);
    const stages = stageFigures({
      "publish → server ack": published.stored,
      "publish → consumer ack": got.latencies ?? [],
      "loop lag pub": published.lag,
      "loop lag sub": got.lag,
    });
    const result = fromReports(
      { scenario: SCENARIO(o.rate), system, persisted: true, acked: true },
      [published, got],
      0,
    );
    const whole = stageFigures({ whole: got.whole }).whole;
    const note = `nats-server ${major}.${minor}; after 1 s warm-up; whole run p50/p99 ` +
      `${whole.p50}/${whole.p99}; p50/p99/max ms: ${stageNote(stages)}`;
    return { ...result, note, stages };
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

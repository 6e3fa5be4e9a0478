/**
 * The JetStream side of the paced latency scenario: the same JSON messages
 * at the same rate as gputel's publish → stored (scenario_pipeline.ts),
 * published with acks into a file-store stream and consumed by an acked pull
 * consumer that acks each message as it arrives. Its latency is publish →
 * the consumer acked it (gputel's goes on to a JSONL write and fdatasync).
 *
 * @module
 */
import { type BenchResult, fromReports, round, skipped } from "./_result.ts";
import { onPath, Proc, ROOT, startNatsServer } from "./_procs.ts";
import { type ClientReport, percentile } from "./_stats.ts";
import { runSetup } from "./scenario_external.ts";

const NATS = `${ROOT}bench/nats_client.ts`;
const SCENARIO = (rate: number) => `publish → consumer ack at ${rate}/s`;

/**
 * Paced JetStream latency: p50/p99 after the first second (warm-up), with
 * the whole run's in the note.
 */
export async function benchJetStreamLatency(rate: number, seconds: number): Promise<BenchResult> {
  const system = "nats-jetstream (file) + acked pull consumer";
  if (!(await onPath("nats-server"))) {
    return skipped(SCENARIO(rate), system, "nats-server not on PATH (apt-get install nats-server)");
  }
  const dir = await Deno.makeTempDir({ prefix: "gputel-jslat-" });
  const { proc: server, port } = await startNatsServer(dir);
  try {
    await runSetup("js-setup", NATS, "js-setup", port);
    const count = rate * seconds;
    const common = ["--port", String(port), "--count", String(count)];
    const warmup = String(Math.min(rate, Math.floor(count / 2)));
    const sub = Proc.deno("js-paced-sub", NATS, ["js-paced-sub", ...common, "--warmup", warmup]);
    await sub.json();
    const pub = Proc.deno("js-paced-pub", NATS, [
      "js-paced-pub",
      ...common,
      "--rate",
      String(rate),
    ]);
    type SubReport = ClientReport & { whole: number[] };
    const [published, got] = await Promise.all([
      pub.json<ClientReport>(),
      sub.json<SubReport>(),
    ]);
    await Promise.all([pub.finish(), sub.finish()]);
    const p = (values: number[]) =>
      `${round(percentile(values, 50))}/${round(percentile(values, 99))}`;
    const result = fromReports(
      { scenario: SCENARIO(rate), system, persisted: true, acked: true },
      [published, got],
      0,
    );
    const note = `after 1 s warm-up; p50/p99 ms: whole run ${p(got.whole)}; ` +
      "nats-server 2.9 default sync (lazy fsync)";
    return { ...result, note };
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

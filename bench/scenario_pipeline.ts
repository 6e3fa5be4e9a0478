/**
 * Publish → stored latency at a steady rate (the end-to-end throughput is in
 * `scenario_e2e.ts`).
 *
 * @module
 */
import { type BenchResult, fromReports, round } from "./_result.ts";
import { freePort, Proc, ROOT, waitForPort } from "./_procs.ts";
import { type ClientReport, percentile } from "./_stats.ts";

/**
 * Publish → stored (JSONL written, fsynced, checkpointed) latency at a
 * steady rate: p50/p99 after the first second (warm-up), with the whole
 * run's in the note.
 */
export async function benchStoredLatency(rate: number, seconds: number): Promise<BenchResult> {
  const dir = await Deno.makeTempDir({ prefix: "gputel-lat-" });
  const [port, admin] = [freePort(), freePort()];
  const broker = Proc.deno("broker", "main.ts", [
    "broker",
    "--data-dir",
    `${dir}/b`,
    "--port",
    String(port),
    "--admin-port",
    String(admin),
  ]);
  try {
    await waitForPort(port);
    const count = rate * seconds;
    const script = `${ROOT}bench/stored_client.ts`;
    const store = Proc.deno("store", script, [
      "store",
      "--port",
      String(port),
      "--count",
      String(count),
      "--dir",
      `${dir}/c`,
      "--warmup",
      String(Math.min(rate, Math.floor(count / 2))),
    ]);
    await store.json();
    const pub = Proc.deno("pub", script, [
      "pub",
      "--port",
      String(port),
      "--count",
      String(count),
      "--rate",
      String(rate),
    ]);
    type StoreReport = ClientReport & { whole: number[]; delivered: number[]; rounds: number[] };
    const [published, stored] = await Promise.all([
      pub.json<ClientReport>(),
      store.json<StoreReport>(),
    ]);
    await Promise.all([pub.finish(), store.finish()]);
    const p = (values: number[]) =>
      `${round(percentile(values, 50))}/${round(percentile(values, 99))}`;
    const result = fromReports(
      {
        scenario: `publish → stored at ${rate}/s`,
        system: "gputel (fsync always) + collector store",
        persisted: true,
        acked: true,
      },
      [published, stored],
      0,
    );
    const note = `after 1 s warm-up; p50/p99 ms: whole run ${p(stored.whole)}, ` +
      `publish → delivered ${p(stored.delivered)}, store round (${stored.rounds.length}) ` +
      p(stored.rounds);
    return { ...result, note };
  } finally {
    await broker.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

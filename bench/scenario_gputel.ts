/**
 * gputel broker throughput and latency: a broker process plus separate
 * publisher and subscriber processes, confirms and acks on, in memory or
 * persisted with `--fsync always`; or the same clients over gputel's
 * JetStream transport against a nats-server (file store).
 *
 * @module
 */
import { type BenchResult, fromReports } from "./_result.ts";
import { Proc, ROOT, startBroker, startNatsServer } from "./_procs.ts";
import type { ClientReport } from "./_stats.ts";

/** One gputel configuration. */
export interface GputelRun {
  messages: number;
  size: number;
  pubs: number;
  subs: number;
  persisted: boolean;
  /** Partitions of the topic. @default 8 */
  partitions?: number;
  /** Through gputel's JetStream transport and a nats-server instead of a gputel broker. */
  nats?: boolean;
}

const CLIENT = `${ROOT}bench/gputel_client.ts`;

/** Runs one configuration against a fresh broker process. */
export async function benchGputel(
  run: GputelRun,
): Promise<
  BenchResult & {
    broker_rss_mib: number;
    cpu_s: Record<string, number>;
    /** Batches the broker stored (persisted runs). */
    broker_batches?: number;
    /** The broker's fdatasync rounds (persisted runs). */
    broker_syncs?: number;
  }
> {
  const dir = await Deno.makeTempDir({ prefix: "gputel-bench-" });
  const { proc: broker, port, admin } = run.nats
    ? { ...await startNatsServer(dir), admin: undefined }
    : await startBroker(dir, [
      ...["--partitions", String(run.partitions ?? 8), "--max-topic-bytes", "512MiB"],
      ...(run.persisted ? ["--fsync", "always"] : ["--no-persist"]),
    ]);
  const target = [
    "--port",
    String(port),
    ...(run.nats ? ["--nats", `nats://127.0.0.1:${port}`] : []),
  ];
  try {
    const per = (n: number, k: number, i: number) => Math.floor(n / k) + (i < n % k ? 1 : 0);
    const subs = Array.from(
      { length: run.subs },
      (_, i) =>
        Proc.deno(`sub${i}`, CLIENT, [
          "sub",
          ...target,
          "--count",
          String(run.messages),
          // Several members stop when idle (they split the count); a lone one stops at the
          // count, and gives up only after 30 s without a message, so a stall of a loaded
          // host does not cut it short while a lost message still ends the run with a count.
          ...(run.subs === 1 ? ["--idle-ms", "30000"] : []),
        ]),
    );
    for (const s of subs) await s.json();
    const pubs = Array.from({ length: run.pubs }, (_, i) =>
      Proc.deno(`pub${i}`, CLIENT, [
        "pub",
        ...target,
        "--count",
        String(per(run.messages, run.pubs, i)),
        "--size",
        String(run.size),
      ]));
    // CPU seconds per process, read as each client reports (its work is done).
    const cpu: Record<string, number> = {};
    const reports = await Promise.all([...pubs, ...subs].map(async (p) => {
      const report = await p.json<ClientReport>();
      cpu[p.name] = await p.cpuSeconds();
      return report;
    }));
    cpu.broker = await broker.cpuSeconds();
    await Promise.all([...pubs, ...subs].map((p) => p.finish()));
    const got = reports.filter((r) => r.role === "sub").reduce((n, r) => n + r.messages, 0);
    const rss = (await broker.peakRssKiB()) / 1024;
    // Batches stored and fdatasync rounds: how the broker's work was grouped.
    const storage = admin && run.persisted
      ? (await (await fetch(`http://127.0.0.1:${admin}/stats`)).json()).storage
      : undefined;
    const result = fromReports(
      {
        scenario: `${run.pubs} pub + ${run.subs} sub`,
        system: run.nats
          ? "gputel over JetStream (file, R1)"
          : run.persisted
          ? "gputel (fsync always)"
          : "gputel (memory)",
        persisted: run.persisted,
        acked: true,
      },
      reports,
      run.size,
    );
    if (got !== run.messages) result.note = `delivered ${got} of ${run.messages}`;
    return {
      ...result,
      broker_rss_mib: Math.round(rss),
      cpu_s: cpu,
      broker_batches: storage?.writes,
      broker_syncs: storage?.syncs,
    };
  } finally {
    await broker.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

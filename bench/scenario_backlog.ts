/**
 * Broker memory under a persisted backlog: one publisher sends `bytes` of
 * 256-byte messages with confirms to a broker with default flags and no
 * consumer, so everything stays on disk; the row gives the confirmed publish
 * rate and the broker's peak RSS (VmHWM), sampled every 250 ms as well.
 *
 * @module
 */
import type { BenchResult } from "./_result.ts";
import { Proc, ROOT, startBroker } from "./_procs.ts";
import type { ClientReport } from "./_stats.ts";

/** A backlog result: the row plus the broker's memory. */
export type BacklogResult = BenchResult & { broker_rss_mib: number; backlog_bytes: number };

/** Publishes about `bytes` of messages into a fresh broker; reports its peak RSS. */
export async function benchBacklog(bytes: number, size: number): Promise<BacklogResult> {
  const dir = await Deno.makeTempDir({ prefix: "gputel-backlog-" });
  const { proc: broker, port, admin } = await startBroker(dir);
  try {
    // 18 bytes of framing per message (key length, 12-byte key, payload length).
    const count = Math.ceil(bytes / (size + 18));
    const pub = Proc.deno("pub", `${ROOT}bench/gputel_client.ts`, [
      "pub",
      "--port",
      String(port),
      "--count",
      String(count),
      "--size",
      String(size),
    ]);
    const report = await pub.json<ClientReport>(1_800_000);
    await pub.finish();
    const stats = await (await fetch(`http://127.0.0.1:${admin}/stats`)).json();
    // Every topic's log: the configured (empty) default topic is there too.
    const stored: number = stats.topics.reduce((n: number, t: { bytes: number }) => n + t.bytes, 0);
    const rss = Math.round((await broker.peakRssKiB()) / 1024);
    const rate = count / ((report.end - report.start) / 1000);
    return {
      scenario: `${sizeText(stored)} persisted backlog, no consumer`,
      system: "gputel broker (fsync always), publish only",
      msgs_per_s: Math.round(rate),
      mb_per_s: Math.round((rate * size) / 1e5) / 10,
      p50_ms: null,
      p99_ms: null,
      persisted: true,
      acked: false,
      note: `broker peak RSS ${rss} MiB`,
      broker_rss_mib: rss,
      backlog_bytes: stored,
    };
  } finally {
    await broker.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function sizeText(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

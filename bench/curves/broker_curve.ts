/**
 * Broker msgs/s against the topic's partition count (1 → 64) and against
 * the payload size (64 B → 16 KiB): the headline configuration of
 * `deno task bench` (one publisher, one subscriber, three processes, fsync
 * always, confirms and acks) with one thing changed per point.
 *
 * @module
 */
import { benchGputel } from "../scenario_gputel.ts";
import { machineCpuWindow } from "./_machine_cpu.ts";
import type { CurveRun, Mode, Point } from "./_report.ts";

const SIZES = {
  smoke: { partitions: [1, 64], payloads: [64, 16384], messages: 20_000, bytes: 8e6 },
  quick: {
    partitions: [1, 2, 4, 8, 16, 32, 64],
    payloads: [64, 256, 1024, 4096, 16384],
    messages: 1e6,
    bytes: 1e9,
  },
  full: {
    partitions: [1, 2, 4, 8, 16, 32, 64],
    payloads: [64, 256, 1024, 4096, 16384],
    messages: 3e6,
    // 4 GB of 16 KiB payloads once left the subscriber idle past its 1.5 s cutoff.
    bytes: 1e9,
  },
};

/** One broker run: msgs/s, MB/s, latency, and each process's CPU in % of a core. */
async function point(
  series: string,
  x: number,
  partitions: number,
  size: number,
  messages: number,
) {
  const machine = machineCpuWindow();
  const r = await benchGputel({ messages, size, pubs: 1, subs: 1, persisted: true, partitions });
  const machineCpu = machine.end();
  const seconds = r.msgs_per_s ? messages / r.msgs_per_s : NaN;
  const pct = (s: number | undefined) => s === undefined ? null : Math.round((s / seconds) * 100);
  // CPU per message does not depend on the share of the cores the run got.
  const us = (s: number | undefined) =>
    s === undefined ? null : Math.round((s / messages) * 1e8) / 100;
  const p: Point = {
    series,
    x,
    messages,
    msgs_per_s: r.msgs_per_s,
    mb_per_s: r.mb_per_s,
    p99_ms: r.p99_ms,
    broker_cpu_pct: pct(r.cpu_s.broker),
    pub_cpu_pct: pct(r.cpu_s.pub0),
    sub_cpu_pct: pct(r.cpu_s.sub0),
    machine_cpu_pct: machineCpu,
    broker_cpu_us_per_msg: us(r.cpu_s.broker),
    pub_cpu_us_per_msg: us(r.cpu_s.pub0),
    sub_cpu_us_per_msg: us(r.cpu_s.sub0),
    broker_rss_mib: r.broker_rss_mib,
    msgs_per_batch: r.broker_batches ? Math.round(messages / r.broker_batches) : null,
    batches_per_sync: r.broker_batches && r.broker_syncs
      ? Math.round((r.broker_batches / r.broker_syncs) * 10) / 10
      : null,
  };
  if (r.note) p.note = r.note;
  console.error(`curves: broker ${series} ${x}: ${JSON.stringify(p)}`);
  return p;
}

/** Msgs/s against partitions (256-byte payloads). */
export async function brokerPartitionsCurve(mode: Mode): Promise<CurveRun> {
  const s = SIZES[mode];
  const points: Point[] = [];
  for (const n of s.partitions) {
    points.push(await point("256-byte payloads", n, n, 256, s.messages));
  }
  return {
    curve: "broker_partitions",
    method: "`benchGputel` (bench/scenario_gputel.ts): a fresh broker process (`--fsync always`, " +
      "`--partitions N`), one publisher and one subscriber process (bench/gputel_client.ts, 256 " +
      `keys, batches of 1000), ${
        s.messages.toLocaleString("en-US")
      } messages per point; CPU from ` +
      "/proc per process over its run, machine CPU from /proc/stat over the point.",
    chart: {
      title: "Broker: persisted + acked msgs/s vs partitions (1 pub, 1 sub)",
      x: "x",
      xTitle: "partitions (log scale)",
      panels: [
        { field: "msgs_per_s", title: "msgs/s" },
        { field: "broker_cpu_us_per_msg", title: "broker CPU per message, µs" },
      ],
    },
    points,
  };
}

/** Msgs/s and MB/s against the payload size (8 partitions). */
export async function brokerPayloadCurve(mode: Mode): Promise<CurveRun> {
  const s = SIZES[mode];
  const points: Point[] = [];
  for (const size of s.payloads) {
    const messages = Math.min(s.messages, Math.round(s.bytes / size));
    points.push(await point("8 partitions", size, 8, size, messages));
  }
  return {
    curve: "broker_payload",
    method: "`benchGputel` as for partitions, 8 partitions, payload size changed per point; " +
      `${s.messages.toLocaleString("en-US")} messages or ${s.bytes / 1e9} GB per point, ` +
      "whichever is fewer (the publisher caps a batch at 1 MiB, so 16 KiB payloads go 64 per batch).",
    chart: {
      title: "Broker: persisted + acked throughput vs payload size (1 pub, 1 sub, 8 partitions)",
      x: "x",
      xTitle: "payload bytes (log scale)",
      panels: [
        { field: "msgs_per_s", title: "msgs/s", log: true },
        { field: "mb_per_s", title: "MB/s (payload)" },
        { field: "broker_cpu_us_per_msg", title: "broker CPU per message, µs", log: true },
      ],
    },
    points,
  };
}

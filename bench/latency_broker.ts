/**
 * The broker of the paced latency scenario (scenario_pipeline.ts): the
 * broker role as `gputel broker --data-dir DIR [--fsync never]` starts it
 * (`startBrokerRole`, the same defaults), in a process that also times each
 * publish on its way through the log. A batch's append starts when its
 * PUBLISH frame has been read and checked, and resolves when the batch is
 * durable per the fsync policy: the moment its PUBLISH_OK goes out and it
 * becomes deliverable. With each message's send stamp that gives publish →
 * at the broker and publish → durable; the time between is the write and
 * the wait for an fdatasync round; each partition file's fdatasync is timed
 * too.
 *
 * Prints `{"port":N}` once listening, its report once `--count` messages are
 * durable, and serves until killed.
 *
 * @module
 */
import { startBrokerRole } from "../src/broker/role.ts";
import { walkBatch } from "../src/protocol/mod.ts";
import { silentLogger } from "../src/obs/log.ts";
import { arg, LatencySampler, LoopLag, nowMs, pacedFields } from "./_stats.ts";

const count = Number(arg(Deno.args, "count"));
const warmup = Number(arg(Deno.args, "warmup", "0"));
const fsync = arg(Deno.args, "fsync", "always") as "always" | "never";
const role = await startBrokerRole({
  port: 0,
  adminPort: 0,
  dataDir: arg(Deno.args, "data-dir"),
  fsync,
  logger: silentLogger,
});
const lag = new LoopLag();
const atBroker = new LatencySampler(count - warmup);
const durable = new LatencySampler(count - warmup);
const commit: number[] = []; // per batch: append start → durable
const syncs: number[] = []; // each partition file's fdatasync (a round runs them in parallel)
const timed = new WeakSet<object>();
/** Times the fdatasync of `topic`'s partition files (wrapped once each). */
function timeSyncs(topic: string): void {
  for (const files of role.server.storage?.filesOf(topic) ?? []) {
    if (timed.has(files)) continue;
    timed.add(files);
    const sync = files.sync.bind(files);
    files.sync = async () => {
      const t = nowMs();
      await sync();
      syncs.push(nowMs() - t);
    };
  }
}
let seen = 0;
let reported = false;
const log = role.server.log;
const append = log.append.bind(log);
log.append = async (topic, partition, blob, n, producer, stable) => {
  timeSyncs(topic);
  const at = nowMs();
  const stored = await append(topic, partition, blob, n, producer, stable);
  const done = nowMs();
  if (topic.endsWith(".dlq")) return stored;
  // Read after the append: parsing here first would delay the write it times.
  let counted = false;
  walkBatch(blob, n, 0, n, (_i, _k, _kl, payAt, payLen) => {
    const { seq, sent } = pacedFields(blob.subarray(payAt, payAt + payLen));
    if (seq < warmup) return;
    atBroker.add(at - sent);
    durable.add(done - sent);
    counted = true;
  });
  if (counted) commit.push(done - at);
  seen += n;
  if (seen >= count && !reported) {
    reported = true;
    console.log(JSON.stringify({
      atBroker: atBroker.samples,
      durable: durable.samples,
      commit,
      syncs,
      lag: lag.stop(),
    }));
  }
  return stored;
};
console.log(JSON.stringify({ port: role.server.addr.port }));

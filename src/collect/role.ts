/**
 * The `collect` role: W subscribers in one consumer group feed one
 * {@linkcode CollectorStore}; each delivery is acked only after the store has
 * written and checkpointed it. Serves the query API.
 *
 * @module
 */
import { join } from "node:path";
import { createApiApp } from "../api/app.ts";
import type { BrokerAddress } from "../client/link.ts";
import { type Delivery, Subscriber } from "../client/subscriber.ts";
import type { Logger } from "../obs/log.ts";
import { TelemetryQuery } from "./query.ts";
import { CollectorStore } from "./store.ts";

/** Options of {@linkcode startCollectRole}. */
export interface CollectRoleOptions {
  broker: BrokerAddress;
  /** @default {"telemetry"} */
  topic?: string;
  /** @default {"collectors"} */
  group?: string;
  /** Subscriber connections (group members) in this process. @default {4} */
  workers?: number;
  /** Root data dir; this collector writes under `<dataDir>/<id>/`. */
  dataDir: string;
  /** Collector id, unique per data dir. */
  id: string;
  /** @default {1000} */
  maxEntries?: number;
  maxMemory?: number;
  /** API bind address. @default {"127.0.0.1"} */
  host?: string;
  /** API port; 0 picks a free one. @default {8080} */
  apiPort?: number;
  /** fdatasync JSONL files before each checkpoint. @default {true} */
  fsync?: boolean;
  logger: Logger;
}

/** Counters of the collect role. */
export interface CollectCounters {
  deliveries: number;
  stored: number;
  duplicatesSkipped: number;
  invalid: number;
  nacked: number;
  writeFailures: number;
}

/** A running collect role. */
export interface CollectRole extends AsyncDisposable {
  readonly store: CollectorStore;
  readonly apiAddr: Deno.NetAddr;
  readonly counters: CollectCounters;
  /** Finishes the delivery being written, acks it, leaves the group, closes. Safe twice. */
  close(): Promise<void>;
}

/**
 * Opens the store, starts the API, joins the group.
 *
 * @throws {StoreLockedError} when another process holds `<dataDir>/<id>`
 */
export async function startCollectRole(o: CollectRoleOptions): Promise<CollectRole> {
  const log = o.logger;
  const topic = o.topic ?? "telemetry";
  const group = o.group ?? "collectors";
  const store = await CollectorStore.open({
    dir: join(o.dataDir, o.id),
    maxEntries: o.maxEntries,
    maxMemory: o.maxMemory,
    fsync: o.fsync,
  });
  const query = new TelemetryQuery([store]);
  const counters: CollectCounters = {
    deliveries: 0,
    stored: 0,
    duplicatesSkipped: 0,
    invalid: 0,
    nacked: 0,
    writeFailures: 0,
  };
  const subscribers: Subscriber[] = [];
  const app = createApiApp({
    reader: () => query,
    stats: () => ({
      collector: { id: o.id, topic, group, ...counters },
      subscribers: subscribers.map((s) => ({ ...s.counters, partitions: s.assigned })),
    }),
    counters: () => {
      const out: Record<string, number> = {
        deliveries: counters.deliveries,
        nacked: counters.nacked,
        write_failures: counters.writeFailures,
      };
      for (const sub of subscribers) {
        for (const [key, value] of Object.entries(sub.counters)) {
          out[`subscriber_${key}`] = (out[`subscriber_${key}`] ?? 0) + value;
        }
      }
      return out;
    },
    onInternalError: (e) => log.error("query failed", { error: String(e) }),
  });
  const http = Deno.serve({
    hostname: o.host ?? "127.0.0.1",
    port: o.apiPort ?? 8080,
    onListen: () => {},
  }, app.fetch);
  const apiAddr = http.addr as Deno.NetAddr;
  log.info("collector storing", {
    dir: store.dir,
    api: `http://${apiAddr.hostname}:${apiAddr.port}`,
  });

  // Offsets this process nacked as undecodable: their redeliveries are nacked
  // again (the store would skip them as already seen) so they reach the DLQ.
  const rejected = new Set<string>();
  let stopping = false;

  const handle = async (sub: Subscriber, d: Delivery): Promise<void> => {
    counters.deliveries++;
    const retry = d.messages.filter((m) => rejected.has(`${d.partition}:${m.offset}`));
    const fresh = retry.length ? d.messages.filter((m) => !retry.includes(m)) : d.messages;
    let result;
    try {
      // Positions are kept per broker log identity: a memory-only broker that
      // restarts numbers from 0 again, and must not look like a redelivery.
      result = await store.write({
        topic,
        group: `${group}@${d.source}`,
        partition: d.partition,
        messages: fresh,
      });
    } catch (err) {
      counters.writeFailures++;
      log.error("write failed; not acking, the broker will redeliver", { error: String(err) });
      return;
    }
    counters.stored += result.stored;
    counters.duplicatesSkipped += result.skipped;
    counters.invalid += result.invalid.length;
    for (const bad of [...result.invalid.map((i) => i.offset), ...retry.map((m) => m.offset)]) {
      rejected.add(`${d.partition}:${bad}`);
      sub.nack(d.partition, bad);
      counters.nacked++;
    }
    for (const i of result.invalid) {
      log.warn("undecodable message nacked", {
        partition: d.partition,
        offset: i.offset,
        error: i.error,
      });
    }
    sub.ack(d.partition, d.end);
  };

  const loops: Promise<void>[] = [];
  const busy = new Set<Promise<void>>();
  const workers = o.workers ?? 4;
  try {
    for (let i = 0; i < workers; i++) {
      const sub = await Subscriber.connect({
        broker: o.broker,
        topic,
        group,
        clientId: `collect-${o.id}-${i}`,
        logger: log.child(`sub${i}`),
      });
      subscribers.push(sub);
      loops.push((async () => {
        for await (const d of sub.deliveries()) {
          if (stopping) break;
          const work = handle(sub, d);
          busy.add(work);
          await work;
          busy.delete(work);
        }
      })());
    }
  } catch (err) {
    await Promise.all(subscribers.map((s) => s.close()));
    await http.shutdown();
    await store.close();
    throw err;
  }

  let closing: Promise<void> | null = null;
  const close = () =>
    closing ??= (async () => {
      stopping = true;
      await Promise.all(busy); // the delivery being written is acked before we leave
      await Promise.all(subscribers.map((s) => s.close()));
      await Promise.all(loops);
      await http.shutdown();
      await store.close();
      log.info("collector stopped", { stored: counters.stored });
    })();
  return { store, apiAddr, counters, close, [Symbol.asyncDispose]: close };
}

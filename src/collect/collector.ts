/**
 * The `collect` role: W subscribers in one consumer group feed one
 * {@linkcode CollectorStore}. Deliveries from all of them are queued and
 * group-committed: while a store round runs, new deliveries accumulate, and
 * the next round writes them all with one `writeMany` (one fdatasynced
 * journal entry). Each delivery is acked only after its round is durable.
 * Serves the query API.
 *
 * @module
 */
import { join } from "node:path";
import { createApiApp } from "../api/app.ts";
import type { BrokerAddress } from "../client/link.ts";
import type { Source, SourceDelivery, SourceMessage } from "../client/source.ts";
import { Subscriber } from "../client/subscriber.ts";
import { newHttpGuardCounters } from "../net/http_guard.ts";
import { serveApp } from "../net/serve.ts";
import type { TlsClientConfig, TlsServerConfig } from "../net/tls.ts";
import type { Logger } from "../obs/log.ts";
import { TelemetryQuery } from "../query/query.ts";
import { logIdOf } from "../record/origin.ts";
import { RoundQueue } from "./round_queue.ts";
import { CollectorStore, type WriteResult } from "./store.ts";
import { WriteGaps } from "./write_gaps.ts";

/** Options of {@linkcode startCollectRole}. */
export interface CollectRoleOptions {
  /** The gputel broker; required unless `connect` is given. */
  broker?: BrokerAddress;
  /** Topic to consume. @default {"telemetry"} */
  topic?: string;
  /** Consumer group to join. @default {"collectors"} */
  group?: string;
  /** Subscriber connections (group members) in this process. @default {4} */
  workers?: number;
  /** Root data dir; this collector writes under `<dataDir>/<id>/`. */
  dataDir: string;
  /** Collector id, unique per data dir. */
  id: string;
  /** Records kept in memory per GPU. @default {1000} */
  maxEntries?: number;
  /** Most messages one store round (group commit) takes. @default {50000} */
  roundMessages?: number;
  /** Most payload bytes one store round takes. @default {16777216} */
  roundBytes?: number;
  /** Most bytes of records kept in memory. */
  maxMemory?: number;
  /** API bind address. @default {"127.0.0.1"} */
  host?: string;
  /** API port; 0 picks a free one. @default {8080} */
  apiPort?: number;
  /** fdatasync each round's journal entry, and the JSONL files before each checkpoint. @default {true} */
  fsync?: boolean;
  /** Sent to the broker in HELLO, and required from API callers as a bearer token. */
  token?: string;
  /** Serve the API over HTTPS with this certificate. */
  tls?: TlsServerConfig;
  /** Speak TLS to the broker, trusting these CAs. */
  brokerTls?: TlsClientConfig;
  /** Widest telemetry query window, ms. @default {2678400000} (31 days) */
  maxWindowMs?: number;
  /** Largest API request body, bytes. @default {65536} */
  maxBodyBytes?: number;
  /** Longest API request URL, characters. @default {8192} */
  maxUrlLength?: number;
  /** Opens group member `i` (the JetStream transport, a fake). @default `Subscriber.connect` to `broker` */
  connect?: (i: number) => Promise<Source>;
  /** Where the role logs. */
  logger: Logger;
}

/** Counters of the collect role. */
export interface CollectCounters {
  /** Deliveries received. */
  deliveries: number;
  /** Records stored. */
  stored: number;
  /** Records skipped as already stored. */
  duplicatesSkipped: number;
  /** Messages that failed to decode. */
  invalid: number;
  /** Messages nacked. */
  nacked: number;
  /** Writes that failed. */
  writeFailures: number;
  /** Messages left unacked behind a failed write of their partition, for redelivery. */
  heldBack: number;
  /**
   * Messages not written because this member's lease on them had ended by
   * its own clock (paused, or cut off): the broker has given them to
   * another member, or will redeliver them.
   */
  leaseExpired: number;
}

interface Queued {
  sub: Source;
  d: SourceDelivery;
}

/** A running collect role. */
export interface CollectRole extends AsyncDisposable {
  /** Store of received records. */
  readonly store: CollectorStore;
  /** Address the HTTP API listens on. */
  readonly apiAddr: Deno.NetAddr;
  /** Role counters. */
  readonly counters: CollectCounters;
  /** Writes and acks the deliveries already queued, leaves the group, closes. Safe twice. */
  close(): Promise<void>;
}

/**
 * Opens the store, starts the API, joins the group.
 *
 * @throws {StoreLockedError} when another process holds `<dataDir>/<id>`
 */
export async function startCollectRole(o: CollectRoleOptions): Promise<CollectRole> {
  if (!o.broker && !o.connect) throw new RangeError("broker is required unless connect is given");
  const log = o.logger;
  const topic = o.topic ?? "telemetry";
  const group = o.group ?? "collectors";
  const store = await CollectorStore.open({
    dir: join(o.dataDir, o.id),
    maxEntries: o.maxEntries,
    maxMemory: o.maxMemory,
    fsync: o.fsync,
    onCheckpointError: (e) =>
      log.error("checkpoint failed; the journal keeps every round until one succeeds", {
        error: String(e),
      }),
  });
  const query = new TelemetryQuery([store.reads]);
  const counters: CollectCounters = {
    deliveries: 0,
    stored: 0,
    duplicatesSkipped: 0,
    invalid: 0,
    nacked: 0,
    writeFailures: 0,
    heldBack: 0,
    leaseExpired: 0,
  };
  const subscribers: Source[] = [];
  const http = newHttpGuardCounters();
  const app = createApiApp({
    reader: () => query,
    stats: () => ({
      collector: { id: o.id, topic, group, ...counters },
      subscribers: subscribers.map((s) => ({ ...s.counters, partitions: s.assigned })),
      http,
    }),
    counters: () => {
      const out: Record<string, number> = {
        deliveries: counters.deliveries,
        nacked: counters.nacked,
        write_failures: counters.writeFailures,
        lease_expired: counters.leaseExpired,
        http_unauthorized: http.unauthorized,
      };
      for (const sub of subscribers) {
        for (const [key, value] of Object.entries(sub.counters)) {
          out[`subscriber_${key}`] = (out[`subscriber_${key}`] ?? 0) + value;
        }
      }
      return out;
    },
    onInternalError: (e) => log.error("query failed", { error: String(e) }),
  }, {
    maxWindowMs: o.maxWindowMs,
    guard: {
      token: o.token,
      maxBodyBytes: o.maxBodyBytes,
      maxUrlLength: o.maxUrlLength,
      counters: http,
    },
  });
  const served = serveApp({ host: o.host, port: o.apiPort, tls: o.tls }, app.fetch);
  const { server, addr: apiAddr } = served;
  log.info("collector storing", {
    dir: store.dir,
    api: served.url,
    token: o.token ? "required" : "none",
  });

  // Offsets this process nacked as undecodable: their redeliveries are nacked
  // again (the store would skip them as already seen) so they reach the DLQ.
  const rejected = new Set<string>();
  const gaps = new WriteGaps();
  let stopping = false;

  // One store round (group commit) for every delivery queued while the last
  // one ran: one writeMany, then each delivery is acked (invalid ones nacked).
  const writeRound = async (queued: Queued[]): Promise<void> => {
    const admitted: (Queued & { at: string; first: number; retry: SourceMessage[] })[] = [];
    const now = performance.now();
    for (const q of queued) {
      const { d } = q;
      const at = `${d.source}/${d.partition}`;
      const first = d.messages[0]?.offset ?? d.end;
      const gen = d.generation ?? 0;
      if (d.lease !== undefined && !d.lease.valid(now)) {
        // Fenced: never written, never acked. Acks are cumulative, so later
        // deliveries of the partition wait behind it like behind a failed write.
        counters.leaseExpired += d.messages.length;
        gaps.failed(at, first, d.end, gen);
        continue;
      }
      if (!gaps.admits(at, first, gen)) {
        counters.heldBack += d.messages.length; // its ack would cover an unwritten hole
        gaps.failed(at, first, d.end, gen);
        continue;
      }
      // Provisionally written, so a later delivery of the partition in this
      // round is admitted as it would be after this one; undone on failure.
      gaps.written(at, first, d.end, gen);
      const retry = rejected.size === 0
        ? []
        : d.messages.filter((m) => rejected.has(`${d.partition}:${m.offset}`));
      admitted.push({ ...q, at, first, retry });
    }
    if (admitted.length === 0) return;
    let results: WriteResult[];
    try {
      // Positions are kept per broker log identity: a memory-only broker that
      // restarts numbers from 0 again, and must not look like a redelivery.
      results = await store.writeMany(admitted.map(({ d, retry }) => ({
        topic,
        group: `${group}@${d.source}`,
        partition: d.partition,
        messages: retry.length ? d.messages.filter((m) => !retry.includes(m)) : d.messages,
        origin: logIdOf(d.origin, topic),
      })));
    } catch (err) {
      counters.writeFailures += admitted.length;
      for (const { at, first, d } of admitted) gaps.failed(at, first, d.end, d.generation ?? 0);
      log.error("write failed; not acking, the broker will redeliver", { error: String(err) });
      return;
    }
    admitted.forEach(({ sub, d, retry }, i) => {
      const result = results[i];
      counters.stored += result.stored;
      counters.duplicatesSkipped += result.skipped;
      counters.invalid += result.invalid.length;
      for (const bad of [...result.invalid.map((i) => i.offset), ...retry.map((m) => m.offset)]) {
        rejected.add(`${d.partition}:${bad}`);
        sub.nackMessage(d, bad);
        counters.nacked++;
      }
      for (const i of result.invalid) {
        log.warn("undecodable message nacked", {
          partition: d.partition,
          offset: i.offset,
          error: i.error,
        });
      }
      sub.ackDelivery(d);
    });
  };
  const queue = new RoundQueue<Queued>(writeRound, ({ d }) => ({
    messages: d.messages.length,
    bytes: d.messages.reduce((sum, m) => sum + m.payload.length, 0),
  }), {
    maxMessages: o.roundMessages,
    maxBytes: o.roundBytes,
    onError: (e) => log.error("store round failed", { error: String(e) }),
  });

  const loops: Promise<void>[] = [];
  const workers = o.workers ?? 4;
  try {
    for (let i = 0; i < workers; i++) {
      const sub = await (o.connect ?? ((i) =>
        Subscriber.connect({
          broker: o.broker!,
          topic,
          group,
          clientId: `collect-${o.id}-${i}`,
          memberKey: `${o.id}/${i}`,
          token: o.token,
          tls: o.brokerTls,
          logger: log.child(`sub${i}`),
        })))(i);
      subscribers.push(sub);
      loops.push((async () => {
        for await (const d of sub.deliveries()) {
          if (stopping) break;
          counters.deliveries++;
          await queue.push({ sub, d });
        }
      })());
    }
  } catch (err) {
    await Promise.all(subscribers.map((s) => s.close()));
    await queue.drain();
    await server.shutdown();
    await store.close();
    throw err;
  }

  let closing: Promise<void> | null = null;
  const close = () =>
    closing ??= (async () => {
      stopping = true;
      await queue.drain(); // deliveries already queued are written and acked before we leave
      await Promise.all(subscribers.map((s) => s.close()));
      await Promise.all(loops);
      await queue.drain();
      await server.shutdown();
      await store.close();
      log.info("collector stopped", { stored: counters.stored });
    })();
  return { store, apiAddr, counters, close, [Symbol.asyncDispose]: close };
}

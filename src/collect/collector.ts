/**
 * The collector: W subscribers in one consumer group feed one
 * {@linkcode CollectorStore}. Deliveries from all of them are queued and
 * group-committed: while a round runs, new deliveries accumulate, and the
 * next round writes them all with one `writeMany` (one fdatasynced journal
 * entry). Each delivery is acked only after its round is durable. Serves no
 * HTTP: `roles/collect.ts` puts the query API beside it.
 *
 * @module
 */
import { join } from "node:path";
import { DEFAULT_GROUP, type Source } from "../client/source.ts";
import { Subscriber } from "../client/subscriber.ts";
import { DEFAULT_TOPIC } from "../record/topic.ts";
import { TelemetryQuery } from "../query/query.ts";
import { type CollectorOptions, DEFAULT_COLLECTOR_WORKERS } from "./collector_options.ts";
import { type CollectCounters, DeliveryRounds, type QueuedDelivery } from "./delivery_round.ts";
import { RoundQueue } from "./round_queue.ts";
import { CollectorStore } from "./store.ts";

export type { CollectCounters } from "./delivery_round.ts";

/**
 * A collector: {@linkcode open} opens its store, {@linkcode join} joins the
 * group, {@linkcode stop} writes and acks what is queued and leaves,
 * {@linkcode close} then closes the store.
 *
 * @example
 * ```ts
 * const collector = await Collector.open({ broker, dataDir: "data", id: "c1", logger });
 * await collector.join();
 * // …
 * await collector.close();
 * ```
 */
export class Collector {
  /** Store of received records. */
  readonly store: CollectorStore;
  /** The read side over the store. */
  readonly query: TelemetryQuery;
  /** Counters. */
  readonly counters: CollectCounters = {
    deliveries: 0,
    stored: 0,
    duplicatesSkipped: 0,
    invalid: 0,
    nacked: 0,
    writeFailures: 0,
    heldBack: 0,
    leaseExpired: 0,
  };
  /** The group members joined so far. */
  readonly subscribers: Source[] = [];
  /** The topic consumed. */
  readonly topic: string;
  /** The consumer group joined. */
  readonly group: string;
  readonly #o: CollectorOptions;
  readonly #queue: RoundQueue<QueuedDelivery>;
  readonly #loops: Promise<void>[] = [];
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(o: CollectorOptions, store: CollectorStore) {
    this.#o = o;
    this.topic = o.topic ?? DEFAULT_TOPIC;
    this.group = o.group ?? DEFAULT_GROUP;
    this.store = store;
    this.query = new TelemetryQuery([store.reads]);
    const rounds = new DeliveryRounds({
      store,
      topic: this.topic,
      group: this.group,
      counters: this.counters,
      logger: o.logger,
    });
    this.#queue = new RoundQueue<QueuedDelivery>((queued) => rounds.run(queued), ({ d }) => ({
      messages: d.messages.length,
      bytes: d.messages.reduce((sum, m) => sum + m.payload.length, 0),
    }), {
      maxMessages: o.roundMessages,
      maxBytes: o.roundBytes,
      onError: (e) => o.logger.error("store round failed", { error: String(e) }),
    });
  }

  /**
   * Opens the store under `<dataDir>/<id>`.
   *
   * @throws {RangeError} when neither `broker` nor `connect` is given
   * @throws {StoreLockedError} when another process holds `<dataDir>/<id>`
   */
  static async open(o: CollectorOptions): Promise<Collector> {
    if (!o.broker && !o.connect) throw new RangeError("broker is required unless connect is given");
    const log = o.logger;
    const store = await CollectorStore.open({
      dir: join(o.dataDir, o.id),
      maxEntries: o.maxEntries,
      maxMemory: o.maxMemory,
      fsync: o.fsync,
      onCheckpointError: (e) =>
        log.error("checkpoint failed; the journal keeps every round until one succeeds", {
          error: String(e),
        }),
      onIndexFallback: (reason, files) =>
        log.warn("time index snapshot not used; scanning every line of every GPU file", {
          reason,
          files,
        }),
      onIndexSnapshotError: (e) =>
        log.warn("time index snapshot not written; a restart scans more", { error: String(e) }),
    });
    return new Collector(o, store);
  }

  /**
   * Connects the group members and starts consuming. On failure the members
   * joined so far stay in {@linkcode subscribers}: {@linkcode stop} them.
   *
   * @throws {Error} what connecting a member threw
   */
  async join(): Promise<void> {
    const o = this.#o;
    const workers = o.workers ?? DEFAULT_COLLECTOR_WORKERS;
    for (let i = 0; i < workers; i++) {
      const sub = await (o.connect ?? ((i) =>
        Subscriber.connect({
          broker: o.broker!,
          topic: this.topic,
          group: this.group,
          clientId: `collect-${o.id}-${i}`,
          memberKey: `${o.id}/${i}`,
          token: o.token,
          tls: o.brokerTls,
          logger: o.logger.child(`sub${i}`),
          signal: o.signal,
        })))(i);
      this.subscribers.push(sub);
      this.#loops.push(this.#consume(sub));
    }
  }

  async #consume(sub: Source): Promise<void> {
    for await (const d of sub.deliveries()) {
      if (this.#stopping) break;
      this.counters.deliveries++;
      await this.#queue.push({ sub, d });
    }
  }

  /**
   * Stops consuming: the deliveries already queued are written and acked,
   * then the group members leave. The store stays open. Safe to call twice.
   */
  stop(): Promise<void> {
    return this.#stopped ??= (async () => {
      this.#stopping = true;
      await this.#queue.drain(); // deliveries already queued are written and acked before we leave
      await Promise.all(this.subscribers.map((s) => s.close()));
      await Promise.all(this.#loops);
      await this.#queue.drain();
    })();
  }

  /** {@linkcode stop}, then closes the store. Safe to call twice. */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      await this.stop();
      await this.store.close();
      this.#o.logger.info("collector stopped", { stored: this.counters.stored });
    })();
  }
}

/**
 * A broker on a data dir that a test can stop cleanly, crash, damage and
 * restart in-process, plus a consumer that stores the way a collector does:
 * per (log identity, partition) it skips offsets below what it already
 * stored. What the consumer holds is what a collector's dir would hold.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type BrokerServer, startBrokerServer } from "../../src/broker/server.ts";
import { BrokerStorage, type BrokerStorageOptions } from "../../src/broker/store/storage.ts";
import { Publisher } from "../../src/client/publisher.ts";
import { Subscriber } from "../../src/client/subscriber.ts";
import { createLogger } from "../../src/obs/log.ts";

/** What `/stats` says about losses, read in-process. */
export interface Losses {
  partition: number[];
  epoch: number[];
  group: Record<string, number>;
}

/** A restartable in-process broker with a collector-like consumer. */
export class LogRig {
  readonly dir: string;
  readonly lines: string[] = [];
  storage!: BrokerStorage;
  server!: BrokerServer;
  /** Per id: how many times the consumer stored it. */
  readonly stored = new Map<number, number>();
  #high = new Map<string, number>();
  #nextId = 0;
  #extra: Partial<BrokerStorageOptions>;

  constructor(dir: string, extra: Partial<BrokerStorageOptions> = {}) {
    this.dir = dir;
    this.#extra = extra;
  }

  /** The broker's own directory. */
  get brokerDir(): string {
    return join(this.dir, "broker");
  }

  /** A partition directory of topic `t`. */
  pdir(p = 0, t = "t"): string {
    return join(this.brokerDir, "topics", t, String(p));
  }

  /** Opens the log and starts the server (one partition per topic). */
  async start(extra: Partial<BrokerStorageOptions> = {}): Promise<void> {
    const logger = createLogger({ write: (l) => void this.lines.push(l) });
    this.storage = await BrokerStorage.open({
      dir: this.brokerDir,
      logger,
      ...this.#extra,
      ...extra,
    });
    this.server = await startBrokerServer({
      port: 0,
      partitions: 1,
      storage: this.storage,
      logger,
      topics: [],
    });
  }

  /** Stops cleanly. */
  async stop(): Promise<void> {
    await this.server.close();
    await this.storage.close();
  }

  /** Stops as a crash would: no final sync, no clean marker (group offsets as last saved). */
  async crash(): Promise<void> {
    await this.server.close();
    await this.storage.abandon();
  }

  /** Publishes `n` new ids to topic `t` and waits for every confirm; returns them. */
  async publish(n: number, topic = "t"): Promise<number[]> {
    const pub = await Publisher.connect({
      broker: { host: "127.0.0.1", port: this.server.addr.port },
      topic,
      batchSize: 10,
      lingerMs: 1,
    });
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = this.#nextId++;
      ids.push(id);
      const payload = new Uint8Array(4);
      new DataView(payload.buffer).setUint32(0, id);
      await pub.publish(`k${id % 3}`, payload);
      if (i % 10 === 9) await pub.flush(); // batches of exactly 10
    }
    await pub.flush();
    await pub.close();
    assert.equal(pub.counters.confirmed, n);
    return ids;
  }

  /**
   * Consumes group `group` of topic `t` until `messages` new messages were
   * delivered (stored or skipped as a collector would), acking each.
   */
  async consume(group: string, messages: number, topic = "t"): Promise<void> {
    const sub = await Subscriber.connect({
      broker: { host: "127.0.0.1", port: this.server.addr.port },
      topic,
      group,
    });
    let seen = 0;
    const deadline = setTimeout(() => void sub.close(), 20_000);
    try {
      if (messages > 0) {
        for await (const d of sub.deliveries()) {
          const key = `${d.source}/${d.partition}`;
          const high = this.#high.get(key) ?? 0;
          for (const m of d.messages) {
            seen++;
            if (m.offset < high) continue; // stored before: a collector skips it
            const id = new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0);
            this.stored.set(id, (this.stored.get(id) ?? 0) + 1);
          }
          this.#high.set(key, Math.max(high, d.end));
          sub.ack(d.partition, d.end);
          if (seen >= messages) break;
        }
      }
      await this.server.log.saveGroups();
    } finally {
      clearTimeout(deadline);
      await sub.close();
    }
    assert.equal(seen, messages, `group ${group} got ${seen} of ${messages} messages`);
  }

  /** Loss counters as `/stats` reports them for topic `t`. */
  losses(topic = "t"): Losses {
    const t = this.server.core.topics.get(topic)!;
    const group: Record<string, number> = {};
    for (const g of t.groups.keys()) group[g] = this.server.log.lostBy(topic, g);
    return {
      partition: t.logs.map((_, p) => this.server.log.partitionLoss(topic, p).lost),
      epoch: t.logs.map((_, p) => this.server.log.partitionLoss(topic, p).epoch),
      group,
    };
  }

  /** Asserts that each id in `ids` was stored exactly once, and nothing else was. */
  assertStoredOnce(ids: Iterable<number>): void {
    const want = new Set(ids);
    const doubled = [...this.stored].filter(([, n]) => n > 1).map(([id]) => id);
    assert.deepEqual(doubled, [], "no id stored twice");
    const missing = [...want].filter((id) => !this.stored.has(id));
    assert.deepEqual(missing, [], "every confirmed id stored");
    assert.equal(this.stored.size, want.size, "nothing else stored");
  }
}

/**
 * The collector's round of deliveries: every delivery its group members
 * received while the last round ran is written with one store round
 * ({@linkcode CollectorStore.writeMany}, one fdatasynced journal entry), then
 * acked; messages that cannot become records are nacked. A delivery that
 * would ack past a partition's unwritten hole is held back for redelivery.
 *
 * @module
 */
import type { Source, SourceDelivery, SourceMessage } from "../client/source.ts";
import type { Logger } from "../obs/log.ts";
import { logIdOf } from "../record/origin.ts";
import type { CollectorStore, WriteResult } from "./store.ts";
import { WriteGaps } from "./write_gaps.ts";

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

/** A delivery waiting for its round, and the member it came from. */
export interface QueuedDelivery {
  /** The group member that received it (acks and nacks go back to it). */
  sub: Source;
  /** The delivery. */
  d: SourceDelivery;
}

interface Admitted extends QueuedDelivery {
  at: string;
  first: number;
  retry: SourceMessage[];
}

/** What a {@linkcode DeliveryRounds} writes to and counts in. */
export interface DeliveryRoundsOptions {
  /** The store. */
  store: CollectorStore;
  /** The topic consumed. */
  topic: string;
  /** The consumer group. */
  group: string;
  /** The role's counters, updated in place. */
  counters: CollectCounters;
  /** Where failures and nacks are logged. */
  logger: Logger;
}

/**
 * Runs the collector's rounds of deliveries, one at a time (a
 * `RoundQueue` calls {@linkcode run}).
 *
 * @example
 * ```ts
 * const rounds = new DeliveryRounds({ store, topic, group, counters, logger });
 * const queue = new RoundQueue<QueuedDelivery>((q) => rounds.run(q), weigh);
 * ```
 */
export class DeliveryRounds {
  readonly #o: DeliveryRoundsOptions;
  // Offsets this process nacked as undecodable: their redeliveries are nacked
  // again (the store would skip them as already seen) so they reach the DLQ.
  readonly #rejected = new Set<string>();
  readonly #gaps = new WriteGaps();

  /**
   * Creates the rounds of one collector.
   * @param options the store, the topic and group, counters and logger
   */
  constructor(options: DeliveryRoundsOptions) {
    this.#o = options;
  }

  /**
   * One round: admits the deliveries, writes them with one `writeMany`, then
   * acks each (its undecodable messages nacked). On a failed write nothing
   * is acked and the broker redelivers.
   */
  async run(queued: readonly QueuedDelivery[]): Promise<void> {
    const admitted = this.#admit(queued);
    if (admitted.length === 0) return;
    const results = await this.#write(admitted);
    if (results !== undefined) this.#settle(admitted, results);
  }

  #admit(queued: readonly QueuedDelivery[]): Admitted[] {
    const { counters } = this.#o;
    const gaps = this.#gaps;
    const admitted: Admitted[] = [];
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
      const retry = this.#rejected.size === 0
        ? []
        : d.messages.filter((m) => this.#rejected.has(`${d.partition}:${m.offset}`));
      admitted.push({ ...q, at, first, retry });
    }
    return admitted;
  }

  async #write(admitted: readonly Admitted[]): Promise<WriteResult[] | undefined> {
    const { store, topic, group } = this.#o;
    try {
      // Positions are kept per broker log identity: a memory-only broker that
      // restarts numbers from 0 again, and must not look like a redelivery.
      return await store.writeMany(admitted.map(({ d, retry }) => ({
        topic,
        group: `${group}@${d.source}`,
        partition: d.partition,
        messages: retry.length ? d.messages.filter((m) => !retry.includes(m)) : d.messages,
        origin: logIdOf(d.origin, topic),
      })));
    } catch (err) {
      this.#o.counters.writeFailures += admitted.length;
      for (const { at, first, d } of admitted) {
        this.#gaps.failed(at, first, d.end, d.generation ?? 0);
      }
      this.#o.logger.error("write failed; not acking, the broker will redeliver", {
        error: String(err),
      });
      return undefined;
    }
  }

  #settle(admitted: readonly Admitted[], results: readonly WriteResult[]): void {
    const { counters, logger: log } = this.#o;
    admitted.forEach(({ sub, d, retry }, i) => {
      const result = results[i];
      counters.stored += result.stored;
      counters.duplicatesSkipped += result.skipped;
      counters.invalid += result.invalid.length;
      for (const bad of [...result.invalid.map((i) => i.offset), ...retry.map((m) => m.offset)]) {
        this.#rejected.add(`${d.partition}:${bad}`);
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
  }
}

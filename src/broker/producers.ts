/**
 * Idempotent publishing: each publisher numbers its batches per partition
 * (`producerId`, `sequence`), and a partition remembers the recent sequences
 * of each producer, so a batch resent after a lost confirm (a reconnect, a
 * broker restart) is confirmed again instead of stored twice. Pure.
 *
 * @module
 */

/** Sequences remembered per producer: more than any publisher's in-flight window. */
export const RECENT_SEQUENCES = 256;
/** Producers remembered per partition; the least recently seen is forgotten first. */
export const MAX_PRODUCERS = 10_000;

/** What the table knows of one producer. */
interface ProducerState {
  last: number;
  /** sequence → base offset of the stored batch, for the most recent sequences */
  recent: Map<number, number>;
}

/** The outcome of {@linkcode ProducerTable.check}. */
export type ProducerCheck =
  | { kind: "new" }
  /** Already stored; `baseOffset` is where, when still remembered. */
  | { kind: "duplicate"; baseOffset?: number }
  /**
   * An earlier sequence is missing (it was refused, say for a full disk, and
   * a later one arrived first): storing this one would make the resend of the
   * missing one look like a duplicate. The publisher must resend in order.
   */
  | { kind: "gap"; expected: number };

/** Recent sequences per producer of one partition. */
export class ProducerTable {
  #producers = new Map<number, ProducerState>();

  /** Producers remembered. */
  get size(): number {
    return this.#producers.size;
  }

  /**
   * Whether `(producerId, sequence)` was stored already. Producer 0 means
   * "not idempotent": always new.
   */
  check(producerId: number, sequence: number): ProducerCheck {
    if (producerId === 0) return { kind: "new" };
    const p = this.#producers.get(producerId);
    if (!p) return { kind: "new" };
    if (sequence === p.last + 1) return { kind: "new" };
    if (sequence > p.last + 1) return { kind: "gap", expected: p.last + 1 };
    return { kind: "duplicate", baseOffset: p.recent.get(sequence) };
  }

  /** Remembers that `(producerId, sequence)` is stored at `baseOffset`. */
  record(producerId: number, sequence: number, baseOffset: number): void {
    if (producerId === 0) return;
    let p = this.#producers.get(producerId);
    if (p) this.#producers.delete(producerId); // re-insert: most recently seen last
    p ??= { last: 0, recent: new Map() };
    p.last = Math.max(p.last, sequence);
    p.recent.set(sequence, baseOffset);
    if (p.recent.size > RECENT_SEQUENCES) p.recent.delete(p.recent.keys().next().value!);
    this.#producers.set(producerId, p);
    if (this.#producers.size > MAX_PRODUCERS) {
      this.#producers.delete(this.#producers.keys().next().value!);
    }
  }
}

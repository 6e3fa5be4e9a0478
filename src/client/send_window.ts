/**
 * The publisher's batches between sealing and the broker's confirm, in send
 * order, with a bounded window of them on the wire at once. Pure: the
 * caller sends what {@linkcode SendWindow.fill} hands it.
 *
 * @module
 */

/** A sealed batch not yet confirmed. */
export interface Pending {
  /** Publish request id. */
  id: number;
  /** Partition of the batch. */
  partition: number;
  /** This publisher's batch number in the partition: a resend carries the same one. */
  sequence: number;
  /** Encoded batch. */
  blob: Uint8Array;
  /** Messages in the batch. */
  count: number;
  /** Whether it was sent on the current connection. */
  sent: boolean;
  /** Sent more than once: an earlier write may still hold the blob, so it is not reused. */
  resent: boolean;
}

/** Sealed batches not confirmed yet, sent in the order they were sealed. */
export class SendWindow {
  readonly #size: number;
  #pending = new Map<number, Pending>(); // insertion order = send order
  #inflight = 0;
  #nextId = 1;

  /**
   * An empty window.
   *
   * @param size most batches sent and not confirmed at once
   */
  constructor(size: number) {
    this.#size = size;
  }

  /**
   * Whether as many batches as the window sends at once are sealed and not
   * confirmed (on the wire or waiting to go): one sealed now could only wait.
   */
  get full(): boolean {
    return this.#pending.size >= this.#size;
  }

  /** Queues a sealed batch under the next request id, unsent. */
  add(partition: number, sequence: number, blob: Uint8Array, count: number): void {
    const id = this.#nextId++;
    this.#pending.set(id, { id, partition, sequence, blob, count, sent: false, resent: false });
  }

  /** Hands `send` the unsent batches, oldest first, while the window has room. */
  fill(send: (b: Pending) => void): void {
    for (const b of this.#pending.values()) {
      if (this.#inflight >= this.#size) break;
      if (b.sent) continue;
      b.sent = true;
      this.#inflight++;
      send(b);
    }
  }

  /** Takes out the batch the broker confirmed; undefined for an unknown id. */
  confirm(id: number): Pending | undefined {
    const b = this.#pending.get(id);
    if (!b) return undefined;
    this.#pending.delete(id);
    this.#inflight--;
    return b;
  }

  /**
   * Puts back a batch the broker could not store now: it goes again, in its
   * place, on a later {@linkcode fill}. Undefined for an unknown id.
   */
  refuse(id: number): Pending | undefined {
    const b = this.#pending.get(id);
    if (!b) return undefined;
    b.sent = false;
    b.resent = true;
    this.#inflight--;
    return b;
  }

  /**
   * A new connection: nothing is on the wire, every batch goes again.
   *
   * @returns the messages of batches that had been sent, now to be resent
   */
  restart(): number {
    let resent = 0;
    this.#inflight = 0;
    for (const b of this.#pending.values()) {
      if (b.sent) {
        resent += b.count;
        b.resent = true;
      }
      b.sent = false;
    }
    return resent;
  }
}

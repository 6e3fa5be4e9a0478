/**
 * A member's lease on its deliveries, by its own monotonic clock
 * (`performance.now()`, which keeps counting while the process is stopped).
 *
 * The broker takes a delivery back `ackTimeoutMs` after sending it, or once
 * the connection was silent for `sessionTimeoutMs`. The member cannot read
 * the broker's clock, so it dates both from frames it sent itself: each
 * DELIVER names the last PING the broker had read before sending it (its
 * lease anchor), so the delivery was sent no earlier than that PING; and the
 * broker's silence timer restarted no earlier than the newest PING it is
 * known to have read (answered by PONG or named as an anchor). A lease ends a
 * safety margin before either limit, and at once when the connection ends
 * (the broker hands the partition's deliveries to others on disconnect).
 *
 * @module
 */

/** Something that says whether a delivery may still be written. */
export interface Lease {
  /** Whether the lease still holds at `now` (a `performance.now()` time). */
  valid(now?: number): boolean;
}

/** A lease that never ends: for deliveries from transports without fencing. */
export const UNBOUNDED_LEASE: Lease = { valid: () => true };

/** Kept PING send times (older anchors count as sent at HELLO: earlier, so safer). */
const KEPT_PINGS = 1024;

/** The margin taken off a limit: a tenth of it, at most one second. */
export function leaseMargin(limitMs: number): number {
  return Math.min(1000, Math.floor(limitMs / 10));
}

/**
 * The PING interval for a broker whose session timeout is `sessionTimeoutMs`:
 * a quarter of it, at most `atMostMs` (at least 10 ms). A member that sends
 * nothing else (idle, or waiting for a redelivery) dates its leases from its
 * newest PING the broker has read; with an interval near the session timeout
 * that PING is often older than the lease allows (timeout less its margin),
 * so the delivery is refused unwritten, and so is its redelivery an ack
 * timeout later, while the broker also takes the member for silent.
 */
export function heartbeatFor(sessionTimeoutMs: number, atMostMs: number): number {
  return Math.max(10, Math.min(atMostMs, Math.floor(sessionTimeoutMs / 4)));
}

/** PING bookkeeping of one connection, and the leases of its deliveries. */
export class LeaseClock {
  readonly #now: () => number;
  readonly #helloAt: number;
  readonly #sent = new Map<number, number>();
  #nonce = 0;
  #heardAt: number;
  #closed = false;
  /** The broker's limits, from SUBSCRIBE_OK; unknown until then. */
  ackTimeoutMs: number = Infinity;
  /** See {@linkcode ackTimeoutMs}. */
  sessionTimeoutMs: number = Infinity;

  /**
   * Creates the clock of a new connection.
   * @param now the monotonic clock, ms @default {performance.now}
   */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#helloAt = now();
    this.#heardAt = this.#helloAt;
  }

  /** The nonce of a PING about to be sent (from 1), its send time recorded. */
  nextPing(): number {
    this.#nonce = this.#nonce >= 0xffff_ffff ? 1 : this.#nonce + 1;
    this.#sent.set(this.#nonce, this.#now());
    if (this.#sent.size > KEPT_PINGS) this.#sent.delete(this.#sent.keys().next().value!);
    return this.#nonce;
  }

  /** The broker has read PING `nonce` (a PONG or a lease anchor named it). */
  heard(nonce: number): void {
    const at = this.#sentAt(nonce);
    if (at > this.#heardAt) this.#heardAt = at;
  }

  /** The connection ended: every lease of it is over. */
  close(): void {
    this.#closed = true;
  }

  /** The lease of a delivery whose DELIVER named `anchor`. */
  lease(anchor: number): Lease {
    this.heard(anchor);
    const ack = this.ackTimeoutMs;
    const ends = this.#sentAt(anchor) + ack - leaseMargin(ack);
    return {
      valid: (now = this.#now()) => {
        const session = this.sessionTimeoutMs;
        return !this.#closed && now < ends &&
          now < this.#heardAt + session - leaseMargin(session);
      },
    };
  }

  #sentAt(nonce: number): number {
    return nonce === 0 ? this.#helloAt : this.#sent.get(nonce) ?? this.#helloAt;
  }
}

/**
 * One client connection on the broker: its frame connection, its
 * subscriptions, and an ordered outbox that lets a delivery wait for its
 * blob to be read from disk without overtaking or being overtaken.
 *
 * @module
 */
import type { FrameConnection } from "../net/frame_connection.ts";

/** A connected client. */
export class Session {
  /** Connection number. */
  readonly id: number;
  /** Framed connection to the client. */
  readonly fc: FrameConnection;
  /** Whether HELLO was accepted. */
  hello = false;
  /** When the last frame was read, clock ms. */
  lastSeen: number;
  /** Nonce of the last PING read: DELIVER frames carry it as their lease anchor. */
  lastPing = 0;
  /** Waiting for room to publish: not silent, only held back. */
  parked = false;
  /** subscriptionId → memberId */
  readonly subs = new Map<number, string>();
  /** Publishes being written, confirmed when they settle. */
  readonly publishing = new Set<Promise<void>>();
  #tail: Promise<void> | null = null;

  /**
   * Creates the session of a new connection.
   * @param id connection number, for logs and member ids
   * @param fc the framed connection
   * @param now time of accept, epoch ms
   */
  constructor(id: number, fc: FrameConnection, now: number) {
    this.id = id;
    this.fc = fc;
    this.lastSeen = now;
  }

  /**
   * Sends frames whose bytes may still be coming (a blob read from disk),
   * after everything queued before them. `build` returns the parts to send,
   * or undefined to send nothing.
   */
  sendOrdered(build: () => Promise<Uint8Array[] | undefined> | Uint8Array[] | undefined): void {
    if (this.#tail === null) {
      const parts = build();
      if (!(parts instanceof Promise)) {
        if (parts) this.fc.send(...parts);
        return;
      }
      this.#tail = parts.then((p) => void (p && this.fc.send(...p)));
    } else {
      this.#tail = this.#tail.then(async () => {
        const p = await build();
        if (p) this.fc.send(...p);
      });
    }
    const mine = this.#tail;
    mine.catch(() => {}).finally(() => {
      if (this.#tail === mine) this.#tail = null;
    });
  }
}

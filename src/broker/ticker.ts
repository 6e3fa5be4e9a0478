/**
 * The broker's ticker, on its {@linkcode TimerClock}: every tick expires
 * ack deadlines and rejoin reservations (the core's `tick`), closes
 * connections silent past the session timeout and asks for a pump; every
 * {@linkcode SAVE_EVERY_TICKS}th tick saves group offsets and ownership;
 * every {@linkcode RETENTION_EVERY_TICKS}th applies retention.
 *
 * @module
 */
import type { Timer, TimerClock } from "../clock.ts";
import type { Logger } from "../obs/log.ts";
import type { BrokerCore } from "./core.ts";
import type { Session } from "./session.ts";

/** Ticks between saves of group offsets and partition ownership. */
export const SAVE_EVERY_TICKS = 4;
/** Ticks between retention passes. */
export const RETENTION_EVERY_TICKS = 40;

/**
 * The tick period for an ack timeout: a quarter of it, within 10..250 ms,
 * so a deadline is noticed within a quarter of its length.
 */
export function tickPeriodMs(ackTimeoutMs: number): number {
  return Math.min(250, Math.max(10, Math.floor(ackTimeoutMs / 4)));
}

/** What the ticker works on. */
export interface TickerTargets {
  /** The core whose deadlines expire. */
  core: BrokerCore;
  /** The open connections, checked for silence. */
  sessions: ReadonlyMap<number, Session>;
  /** Silence after which a connection is closed, ms. */
  sessionTimeoutMs: number;
  /** Counts each connection closed for silence. */
  onSessionTimeout(): void;
  /** Asks for a delivery pass. */
  schedulePump(): void;
  /** Saves group offsets and ownership (never rejects). */
  saveState(): Promise<unknown>;
  /** Applies retention (may reject: logged). */
  applyRetention(): Promise<void>;
  /** Where the ticker logs. */
  logger: Logger;
}

/** Drives the broker's time-based work from a clock's interval timer. */
export class BrokerTicker {
  /** Ticks so far. */
  ticks = 0;
  #clock: TimerClock;
  #t: TickerTargets;
  #timer: Timer;

  /** Starts ticking every {@linkcode tickPeriodMs} of the core's ack timeout on `clock`. */
  constructor(clock: TimerClock, targets: TickerTargets) {
    this.#clock = clock;
    this.#t = targets;
    const period = tickPeriodMs(targets.core.options.ackTimeoutMs);
    this.#timer = clock.setInterval(() => this.tick(), period);
  }

  /** One tick (the timer calls it; callable by hand). */
  tick(): void {
    const t = this.#t;
    t.core.tick();
    const now = this.#clock.now();
    for (const s of t.sessions.values()) {
      if (!s.parked && now - s.lastSeen > t.sessionTimeoutMs) {
        t.onSessionTimeout();
        t.logger.warn("closing silent connection", { conn: s.id, silentMs: now - s.lastSeen });
        s.fc.close();
      }
    }
    t.schedulePump();
    if (++this.ticks % SAVE_EVERY_TICKS === 0) void t.saveState();
    if (this.ticks % RETENTION_EVERY_TICKS === 0) {
      t.applyRetention().catch((e) => t.logger.error("retention failed", { error: String(e) }));
    }
  }

  /** Stops ticking. Safe to call twice. */
  stop(): void {
    this.#timer.cancel();
  }
}

/**
 * The power of a {@linkcode SimDisk}: every sync is a numbered sync point,
 * and with `cutAt: n` the n-th one never happens: the power is cut instead,
 * and that sync and every later operation throw {@linkcode PowerCut}.
 *
 * @module
 */

/** Thrown by every operation at and after the simulated power cut. */
export class PowerCut extends Error {
  /**
   * Makes the error for a cut at `point`.
   *
   * @param point the sync point the power was cut at
   */
  constructor(point: number) {
    super(`simulated power cut at sync point ${point}`);
    this.name = "PowerCut";
  }
}

/** Counts sync points and cuts the power at the chosen one. */
export class SimPower {
  /** Sync points passed so far. */
  syncPoints = 0;
  /** Whether the power is off. */
  dead = false;
  readonly #cutAt: number;

  /**
   * Power that is cut at sync point `cutAt` (1-based); 0 never.
   *
   * @param cutAt the sync point that cuts the power instead of syncing
   */
  constructor(cutAt: number) {
    this.#cutAt = cutAt;
  }

  /**
   * Checks that the power is on.
   *
   * @throws {PowerCut} once the power is off
   */
  alive(): void {
    if (this.dead) throw new PowerCut(this.#cutAt);
  }

  /**
   * One sync point: passes it, or cuts the power when it is the chosen one.
   *
   * @throws {PowerCut} at the chosen point and once the power is off
   */
  syncPoint(): void {
    this.alive();
    if (++this.syncPoints === this.#cutAt) {
      this.dead = true;
      throw new PowerCut(this.#cutAt);
    }
  }
}

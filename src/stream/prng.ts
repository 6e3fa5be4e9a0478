/**
 * A small seeded pseudo-random number generator, for reproducible synthetic
 * data. Not for anything secret.
 *
 * @module
 */

/**
 * Returns a Mulberry32 generator: a function yielding floats in `[0, 1)`,
 * the same sequence for the same seed.
 *
 * @param seed any number; only its low 32 bits are used
 *
 * @example
 * ```ts
 * const random = mulberry32(42);
 * random(); // 0.6011037519201636, on every run
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Test helpers that return what a function threw, so tests can assert on
 * the error's fields (node:assert's `throws` returns nothing).
 *
 * @module
 */

import assert from "node:assert/strict";

/** Calls `fn`, asserts that it throws an instance of `type`, and returns the error. */
export function thrown<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${err}`);
    return err;
  }
  assert.fail(`expected ${type.name} to be thrown`);
}

/** Awaits `fn()`, asserts that it rejects with an instance of `type`, and returns the error. */
export async function rejected<E extends Error>(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${err}`);
    return err;
  }
  assert.fail(`expected ${type.name} to be thrown`);
}

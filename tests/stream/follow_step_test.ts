import assert from "node:assert/strict";
import { followStep, lastLineDone, QUIET_MS } from "../../src/stream/follow_step.ts";

Deno.test("followStep reads what the open file gained, even after the path was rotated", () => {
  assert.equal(followStep({ ino: 1, offset: 10, size: 25 }, { ino: 1 }), "read");
  assert.equal(followStep({ ino: 1, offset: 10, size: 25 }, { ino: 2 }), "read");
  assert.equal(followStep({ ino: 1, offset: 10, size: 25 }, null), "read");
});

Deno.test("followStep switches to the new file only once the old one is read to its end", () => {
  assert.equal(followStep({ ino: 1, offset: 25, size: 25 }, { ino: 2 }), "rotated");
});

Deno.test("followStep sees a file shorter than what was read as truncated", () => {
  assert.equal(followStep({ ino: 1, offset: 25, size: 0 }, { ino: 1 }), "truncated");
  assert.equal(followStep({ ino: 1, offset: 25, size: 3 }, { ino: 2 }), "truncated");
});

Deno.test("followStep waits when nothing changed or the path is gone for a moment", () => {
  assert.equal(followStep({ ino: 1, offset: 25, size: 25 }, { ino: 1 }), "wait");
  assert.equal(followStep({ ino: 1, offset: 25, size: 25 }, null), "wait");
});

Deno.test("lastLineDone waits until the file was read to its end and stayed unmodified for QUIET_MS", () => {
  const open = { ino: 1, offset: 25, size: 25 };
  assert.equal(lastLineDone(open, 1_000, 1_000 + QUIET_MS - 1), false);
  assert.equal(lastLineDone(open, 1_000, 1_000 + QUIET_MS), true);
  assert.equal(lastLineDone({ ...open, size: 30 }, 1_000, 99_999), false);
  assert.equal(lastLineDone(open, null, 99_999), false);
});

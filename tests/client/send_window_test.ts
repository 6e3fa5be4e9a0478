import assert from "node:assert/strict";
import { type Pending, SendWindow } from "../../src/client/send_window.ts";

const blob = (n: number) => new Uint8Array(n);
const ids = (w: SendWindow) => {
  const sent: number[] = [];
  w.fill((b: Pending) => sent.push(b.id));
  return sent;
};

Deno.test("SendWindow sends sealed batches in order, at most its size unconfirmed at once", () => {
  const w = new SendWindow(2);
  for (let i = 0; i < 4; i++) w.add(i % 2, i + 1, blob(1), 10);
  assert.deepEqual(ids(w), [1, 2]);
  assert.deepEqual(ids(w), [], "a full window sends nothing more");
  assert.equal(w.confirm(1)?.count, 10);
  assert.equal(w.confirm(1), undefined, "a batch is confirmed once");
  assert.equal(w.confirm(99), undefined);
  assert.deepEqual(ids(w), [3], "a confirm frees one place");
});

Deno.test("SendWindow sends a refused batch again in its place, marked as resent", () => {
  const w = new SendWindow(2);
  for (let i = 0; i < 3; i++) w.add(0, i + 1, blob(1), 1);
  ids(w);
  const refused = w.refuse(1);
  assert.equal(refused?.resent, true);
  assert.equal(w.refuse(99), undefined);
  const again: Pending[] = [];
  w.fill((b) => again.push(b));
  assert.deepEqual(again.map((b) => [b.id, b.sequence]), [[1, 1]], "before the never-sent batch 3");
});

Deno.test("SendWindow.restart empties the wire and counts what must be resent", () => {
  const w = new SendWindow(3);
  for (let i = 0; i < 4; i++) w.add(0, i + 1, blob(1), 5);
  assert.deepEqual(ids(w), [1, 2, 3]);
  w.confirm(2);
  assert.equal(w.restart(), 10, "batches 1 and 3 had been sent: 2 × 5 messages");
  assert.deepEqual(ids(w), [1, 3, 4], "the whole window is free again, oldest first");
  const flags: boolean[] = [];
  w.restart();
  w.fill((b) => flags.push(b.resent));
  assert.deepEqual(flags, [true, true, true]);
});

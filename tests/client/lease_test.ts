import assert from "node:assert/strict";
import { LeaseClock, leaseMargin } from "../../src/client/lease.ts";

function clock(start = 1_000) {
  const c = { t: start };
  return { c, lease: new LeaseClock(() => c.t) };
}

Deno.test("a delivery's lease ends a margin before the ack timeout, counted from its anchor PING", () => {
  const { c, lease } = clock();
  lease.ackTimeoutMs = 3_000;
  lease.sessionTimeoutMs = 60_000;
  c.t = 2_000;
  const anchor = lease.nextPing(); // sent at 2,000
  c.t = 4_500; // the DELIVER naming it is read late (the process was stopped)
  const l = lease.lease(anchor);
  const ends = 2_000 + 3_000 - leaseMargin(3_000);
  assert.equal(l.valid(ends - 1), true);
  assert.equal(l.valid(ends), false);
});

Deno.test("an unknown or zero anchor dates the send at HELLO, the earliest it could be", () => {
  const { c, lease } = clock(1_000);
  lease.ackTimeoutMs = 3_000;
  c.t = 3_000;
  assert.equal(lease.lease(0).valid(3_500), true);
  assert.equal(lease.lease(0).valid(1_000 + 3_000 - 300), false);
  assert.equal(lease.lease(12345).valid(1_000 + 3_000 - 300), false);
});

Deno.test("the lease ends once the broker may have timed the silent session out", () => {
  const { c, lease } = clock(0);
  lease.ackTimeoutMs = 60_000;
  lease.sessionTimeoutMs = 2_000;
  const l = lease.lease(0);
  assert.equal(l.valid(1_799), true);
  assert.equal(l.valid(1_800), false, "no PING heard since HELLO at 0");
  c.t = 1_000;
  const n = lease.nextPing();
  lease.heard(n); // its PONG came back
  assert.equal(l.valid(2_500), true);
  assert.equal(l.valid(1_000 + 1_800), false);
});

Deno.test("every lease of a connection ends when it closes", () => {
  const { lease } = clock(0);
  lease.ackTimeoutMs = 60_000;
  lease.sessionTimeoutMs = 60_000;
  const l = lease.lease(0);
  assert.equal(l.valid(1), true);
  lease.close();
  assert.equal(l.valid(1), false);
});

import assert from "node:assert/strict";
import { heartbeatFor, LeaseClock, leaseMargin } from "../../src/client/lease.ts";
import { DEFAULT_HEARTBEAT_MS } from "../../src/client/link.ts";

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

// An idle member (no acks, so only heartbeat PINGs): the broker reads each PING
// `latency` after its send and names the newest it has read in a DELIVER sent at
// `sentAt`; the member reads it `latency` later and writes it `roundDelay` after.
function idleDeliveryHolds(sessionMs: number, heartbeatMs: number, sentAt: number): boolean {
  const latency = sessionMs / 10;
  const roundDelay = sessionMs / 4;
  const { c, lease } = clock(0);
  lease.ackTimeoutMs = 30_000;
  lease.sessionTimeoutMs = sessionMs;
  let anchor = 0;
  for (let t = heartbeatMs; t + latency <= sentAt; t += heartbeatMs) {
    c.t = t;
    anchor = lease.nextPing();
  }
  c.t = sentAt + latency;
  return lease.lease(anchor).valid(sentAt + latency + roundDelay);
}

Deno.test("heartbeat from the session timeout: an idle member's delivery holds its lease at any phase", () => {
  assert.equal(heartbeatFor(10_000, DEFAULT_HEARTBEAT_MS), DEFAULT_HEARTBEAT_MS);
  assert.equal(heartbeatFor(2_000, DEFAULT_HEARTBEAT_MS), 500);
  assert.equal(heartbeatFor(8, DEFAULT_HEARTBEAT_MS), 10);
  for (const session of [400, 1_000, 2_000, 10_000, 60_000]) {
    const hb = heartbeatFor(session, DEFAULT_HEARTBEAT_MS);
    for (let at = 20 * hb; at < 21 * hb; at += hb / 50) {
      assert.ok(idleDeliveryHolds(session, hb, at), `session ${session} ms, DELIVER sent at ${at}`);
    }
  }
  // The fixed 2 s heartbeat against `--session-timeout 2s` (the stalled e2e
  // split): over half the phases give a delivery whose lease ended before its round,
  // so it and each redelivery an ack timeout later are refused unwritten.
  let refused = 0;
  for (let at = 40_000; at < 42_000; at += 40) {
    if (!idleDeliveryHolds(2_000, DEFAULT_HEARTBEAT_MS, at)) refused++;
  }
  assert.equal(refused, 27); // of 50 phases 40 ms apart: more than half
});

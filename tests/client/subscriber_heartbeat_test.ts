import assert from "node:assert/strict";
import { startBrokerServer } from "../../src/broker/server.ts";
import { DEFAULT_HEARTBEAT_MS } from "../../src/client/link.ts";
import { Subscriber } from "../../src/client/subscriber.ts";

/** A broker with `sessionTimeoutMs` (its default when undefined) and one member of its group. */
async function joined(sessionTimeoutMs?: number) {
  const broker = await startBrokerServer({ port: 0, partitions: 1, sessionTimeoutMs });
  const sub = await Subscriber.connect({
    broker: { host: "127.0.0.1", port: broker.addr.port },
    topic: "t",
    group: "g",
  });
  return {
    broker,
    sub,
    async [Symbol.asyncDispose]() {
      await sub.close();
      await broker.close();
    },
  };
}

Deno.test("a subscriber PINGs at a quarter of the broker's session timeout (at most the default)", async () => {
  await using short = await joined(2_000);
  assert.equal(short.sub.heartbeatMs, 500);
  await using usual = await joined();
  assert.equal(usual.sub.heartbeatMs, DEFAULT_HEARTBEAT_MS);
});

Deno.test("an idle subscriber stays in its group past a session timeout shorter than the default heartbeat", async () => {
  await using m = await joined(1_200);
  // Observation window, not synchronisation: with the fixed 2 s heartbeat the
  // broker closed this silent member within it every time.
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(m.broker.counters.sessionTimeouts, 0);
  assert.equal(m.sub.counters.reconnects, 0);
});

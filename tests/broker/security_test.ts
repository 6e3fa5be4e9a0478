import assert from "node:assert/strict";
import { brokerMetrics } from "../../src/broker/metrics.ts";
import { createAdminApp } from "../../src/broker/admin.ts";
import { startBrokerServer } from "../../src/broker/server.ts";
import { BrokerRefusedError, BrokerRequestError } from "../../src/client/errors.ts";
import { openLink } from "../../src/client/link.ts";
import { Publisher } from "../../src/client/publisher.ts";
import {
  decodeFrame,
  encodeFrame,
  ErrorCode,
  type Frame,
  FrameDecoder,
  FrameType,
} from "../../src/protocol/mod.ts";
import { hello } from "./_frame_fuzz.ts";

/** Sends `bytes`, then reads every frame until the broker closes. */
async function exchange(port: number, bytes: Uint8Array): Promise<Frame[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(bytes);
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  const buf = new Uint8Array(4096);
  try {
    for (let n; (n = await conn.read(buf)) !== null;) {
      for (const raw of decoder.push(buf.slice(0, n))) frames.push(decodeFrame(raw));
    }
  } finally {
    conn.close();
  }
  return frames;
}

Deno.test("a broker with a token refuses HELLO without it or with a wrong one, and counts", async () => {
  await using server = await startBrokerServer({ port: 0, token: "T0ken" });
  const addr = { host: "127.0.0.1", port: server.addr.port };
  const noop = { clientId: "t", onFrame: () => {} };
  await assert.rejects(
    openLink(addr, noop),
    (e) =>
      e instanceof BrokerRefusedError &&
      /refused the connection: a token is required and none was sent/.test(e.message),
  );
  await assert.rejects(
    openLink(addr, { ...noop, token: "T0ke" }),
    (e) => e instanceof BrokerRefusedError && /the one sent is wrong/.test(e.message),
  );
  assert.equal(server.counters.unauthorized, 2);
  const link = await openLink(addr, { ...noop, token: "T0ken" });
  link.close();
  await link.done;
  assert.equal(server.counters.unauthorized, 2);
  const metrics = brokerMetrics(server.core, server.counters, server.storage);
  assert.match(metrics, /^gputel_broker_unauthorized_total 2$/m, "alertable in Prometheus too");
});

Deno.test("a refused HELLO is answered UNAUTHORIZED and nothing after it is handled", async () => {
  await using server = await startBrokerServer({ port: 0, token: "T0ken", topics: [] });
  const metadata = encodeFrame({ type: FrameType.METADATA, correlationId: 9, topic: "t" });
  const frames = await exchange(server.addr.port, new Uint8Array([...hello("x"), ...metadata]));
  assert.deepEqual(frames.map((f) => f.type === FrameType.ERROR && f.code), [
    ErrorCode.UNAUTHORIZED,
  ]);
  assert.equal(server.core.topics.size, 0);
  assert.equal(server.counters.protocolErrors, 0);
});

Deno.test("a publisher refused for its token fails at once instead of retrying", async () => {
  await using server = await startBrokerServer({ port: 0, token: "T0ken" });
  await assert.rejects(
    Publisher.connect({ broker: { host: "127.0.0.1", port: server.addr.port }, topic: "t" }),
    BrokerRefusedError,
  );
  assert.equal(server.counters.unauthorized, 1);
  assert.equal(server.counters.connectionsAccepted, 1);
});

Deno.test("the connection after maxConnections gets ERROR LIMIT and the others stay", async () => {
  await using server = await startBrokerServer({ port: 0, maxConnections: 2 });
  const addr = { host: "127.0.0.1", port: server.addr.port };
  const links = [
    await openLink(addr, { clientId: "a", onFrame: () => {} }),
    await openLink(addr, { clientId: "b", onFrame: () => {} }),
  ];
  const frames = await exchange(server.addr.port, hello(""));
  assert.equal(frames.length, 1);
  assert.ok(frames[0].type === FrameType.ERROR && frames[0].code === ErrorCode.LIMIT);
  assert.match(frames[0].message, /too many connections: this broker takes at most 2/);
  assert.equal(server.counters.connectionsRefused, 1);
  assert.equal(server.counters.connectionsOpen, 2);
  for (const l of links) {
    assert.equal(l.fc.closed, false);
    l.close();
    await l.done;
  }
});

Deno.test("a batch over maxBatchMessages is refused with LIMIT while smaller batches pass", async () => {
  await using server = await startBrokerServer({ port: 0, maxBatchMessages: 10 });
  const broker = { host: "127.0.0.1", port: server.addr.port };
  await using big = await Publisher.connect({ broker, topic: "t", batchSize: 20, lingerMs: 1 });
  await using small = await Publisher.connect({ broker, topic: "t", batchSize: 5, lingerMs: 1 });
  for (let i = 0; i < 20; i++) await big.publish("k", new Uint8Array([i]));
  await assert.rejects(
    big.flush(),
    (e) =>
      e instanceof BrokerRequestError && e.code === ErrorCode.LIMIT &&
      /a batch of 20 messages is over this broker's limit of 10 \(--max-batch\)/.test(e.message),
  );
  for (let i = 0; i < 20; i++) await small.publish("k", new Uint8Array([i]));
  await small.flush();
  assert.equal(small.counters.confirmed, 20);
  assert.equal(server.core.topics.get("t")!.logs.reduce((n, l) => n + l.endOffset, 0), 20);
});

Deno.test("a frame over maxFrameBytes gets FRAME_TOO_LARGE and its connection is closed", async () => {
  await using server = await startBrokerServer({ port: 0, maxFrameBytes: 2048 });
  const big = encodeFrame({ type: FrameType.METADATA, correlationId: 1, topic: "a".repeat(4000) });
  const frames = await exchange(server.addr.port, big);
  assert.equal(frames.length, 1);
  assert.ok(frames[0].type === FrameType.ERROR && frames[0].code === ErrorCode.FRAME_TOO_LARGE);
  assert.match(frames[0].message, /exceeds the limit of 2048 bytes/);
  assert.equal(server.counters.protocolErrors, 1);
});

Deno.test("startBrokerServer names the limit that is not a positive integer", async () => {
  await assert.rejects(
    async () => await startBrokerServer({ port: 0, maxConnections: 0 }),
    /maxConnections must be a positive integer, got 0/,
  );
});

Deno.test("the admin API needs the bearer token for everything but /health, and counts refusals", async () => {
  await using server = await startBrokerServer({ port: 0 });
  const app = createAdminApp(server, { token: "T0ken" });
  const health = await app.request("/health");
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok", role: "broker" });
  for (const auth of [undefined, "Bearer nope", "Basic T0ken", "Bearer"]) {
    const res = await app.request("/stats", { headers: auth ? { authorization: auth } : {} });
    assert.equal(res.status, 401, String(auth));
    assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="gputel"');
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    assert.match((await res.json()).detail, /a token is required/);
  }
  const ok = await app.request("/stats", { headers: { authorization: "Bearer T0ken" } });
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).http.unauthorized, 4);
});

import assert from "node:assert/strict";
import { Publisher } from "../../src/client/publisher.ts";
import { Subscriber } from "../../src/client/subscriber.ts";
import { startBrokerServer } from "../../src/broker/server.ts";
import {
  decodeFrame,
  encodeFrame,
  ErrorCode,
  type Frame,
  FrameDecoder,
  FrameType,
} from "../../src/protocol/mod.ts";
import { mulberry32 as prng } from "../../src/stream/prng.ts";
import { concat, type FuzzKind, type FuzzScript, fuzzScript } from "./_frame_fuzz.ts";

const SEED = 0x5eed_0008;
const CONNECTIONS = 300;
const FRAMES_PER_CONNECTION = 500;
/** Frames per round trip; a PING closes each round. */
const ROUND = 25;
/** PONG nonces of round PINGs (the scripts' own PINGs stay below 1000). */
const PONG_BASE = 1_000_000;
const PARALLEL = 8;
const GOOD_MESSAGES = 20_000;
const TOKEN = "fuzz-token";
const MAX_FRAME_BYTES = 65_536;

/** What came back on one fuzz connection. */
interface Outcome {
  kind: FuzzKind;
  errors: number[];
  closedByBroker: boolean;
  /** Frames the broker demonstrably handled: those before a PONG it sent back. */
  handled: number;
}

/**
 * Sends a script in rounds of {@linkcode ROUND} frames, each closed by a PING
 * whose PONG proves the broker handled the round. A local decoder, the same
 * as the broker's, tells when the stream is desynchronised (a wrong length, a
 * truncated body): then 0xFF bytes complete the pending frame and form an
 * oversized length prefix. Reads until the broker closes (bounded by `deadlineMs`).
 */
async function runConnection(
  port: number,
  script: FuzzScript,
  deadlineMs: number,
): Promise<Outcome> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const outcome: Outcome = { kind: script.kind, errors: [], closedByBroker: false, handled: 0 };
  const timer = setTimeout(() => conn.close(), deadlineMs);
  const pongs = new Set<number>();
  let wake: () => void = () => {};
  let ended = false;
  const reading = (async () => {
    const decoder = new FrameDecoder();
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) {
          outcome.closedByBroker = true;
          return;
        }
        for (const raw of decoder.push(buf.slice(0, n))) {
          const f = decodeFrame(raw);
          if (f.type === FrameType.ERROR) outcome.errors.push(f.code);
          if (f.type === FrameType.PONG) pongs.add(f.nonce);
        }
        wake();
      }
    } catch (e) {
      // a reset after the broker closed on unread input counts as closed
      outcome.closedByBroker = e instanceof Deno.errors.ConnectionReset;
    } finally {
      ended = true;
      wake();
    }
  })();
  const write = async (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
  };
  const local = new FrameDecoder({ maxFrameBytes: MAX_FRAME_BYTES });
  try {
    for (let r = 0; r * ROUND < script.frames.length && !ended; r++) {
      const nonce = PONG_BASE + r;
      const part = script.frames.slice(r * ROUND, (r + 1) * ROUND);
      const bytes = concat([...part, encodeFrame({ type: FrameType.PING, nonce })]);
      await write(bytes);
      let decoded: Frame[];
      try {
        decoded = local.push(bytes).map(decodeFrame);
      } catch {
        break; // the broker refuses this round: ERROR and close
      }
      const last = decoded.at(-1);
      if (last?.type !== FrameType.PING || last.nonce !== nonce) {
        await write(new Uint8Array(MAX_FRAME_BYTES + 16).fill(0xff)); // desynchronised
        break;
      }
      while (!ended && !pongs.has(nonce)) await new Promise<void>((r) => (wake = r));
      if (pongs.has(nonce)) outcome.handled += decoded.length - 1;
    }
  } catch {
    // the broker may close before reading everything
  }
  await reading;
  clearTimeout(timer);
  try {
    conn.close();
  } catch {
    // closed by the deadline
  }
  return outcome;
}

Deno.test({
  name:
    "300 connections of fuzzed frames each get ERROR and are closed while a good one streams on",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startBrokerServer({
      port: 0,
      token: TOKEN,
      maxFrameBytes: MAX_FRAME_BYTES,
      partitions: 4,
    });
    const addr = { host: "127.0.0.1", port: server.addr.port };
    const pub = await Publisher.connect({ broker: addr, topic: "clean", token: TOKEN });
    const sub = await Subscriber.connect({
      broker: addr,
      topic: "clean",
      group: "clean-g",
      token: TOKEN,
    });
    try {
      const rssBefore = Deno.memoryUsage().rss;
      const seen = new Uint8Array(GOOD_MESSAGES);
      let unique = 0;
      const consuming = (async () => {
        for await (const d of sub.deliveries()) {
          for (const m of d.messages) {
            const i = new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0);
            if (seen[i]++ === 0) unique++;
          }
          sub.ack(d.partition, d.end);
          if (unique === GOOD_MESSAGES) return;
        }
      })();
      const publishing = (async () => {
        for (let i = 0; i < GOOD_MESSAGES; i++) {
          const payload = new Uint8Array(64);
          new DataView(payload.buffer).setUint32(0, i);
          await pub.publish(`GPU-${i % 32}`, payload);
          if (i % 500 === 0) await new Promise((r) => setTimeout(r, 1)); // spread over the fuzz
        }
        await pub.flush();
      })();

      const rnd = prng(SEED);
      const scripts = Array.from(
        { length: CONNECTIONS },
        (_, i) => fuzzScript(i, rnd, TOKEN, FRAMES_PER_CONNECTION, MAX_FRAME_BYTES),
      );
      const outcomes: Outcome[] = [];
      let next = 0;
      await Promise.all(Array.from({ length: PARALLEL }, async () => {
        while (next < scripts.length) {
          const s = scripts[next++];
          outcomes.push(await runConnection(server.addr.port, s, 10_000));
        }
      }));
      await publishing;
      await Promise.race([
        consuming,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`good consumer stuck at ${unique}`)), 30_000)
        ),
      ]);

      const sent = scripts.reduce((n, s) => n + s.frames.length, 0);
      const handled = outcomes.reduce((n, o) => n + o.handled, 0);
      console.log(
        `broker fuzz: seed ${SEED}, ${CONNECTIONS} connections, ${sent} frames sent, ` +
          `${handled} decoded and handled by the broker`,
      );
      assert.ok(handled >= 100_000, `only ${handled} frames reached the broker's handler`);
      for (const [i, o] of outcomes.entries()) {
        assert.ok(o.errors.length > 0, `connection ${i} (${o.kind}) got no ERROR`);
        assert.ok(o.closedByBroker, `connection ${i} (${o.kind}) was not closed by the broker`);
      }
      const wrongToken = outcomes.filter((o) => o.kind === "wrong-token");
      assert.ok(wrongToken.every((o) => o.errors.at(-1) === ErrorCode.UNAUTHORIZED));
      assert.equal(server.counters.unauthorized, wrongToken.length);
      assert.equal(server.counters.protocolErrors, CONNECTIONS - wrongToken.length);
      assert.equal(pub.counters.confirmed, GOOD_MESSAGES);
      assert.equal(unique, GOOD_MESSAGES);
      assert.ok(seen.every((n) => n === 1), "every good message exactly once");
      assert.equal(server.counters.connectionsOpen, 2, "only the good publisher and subscriber");
      const fz = server.core.topics.get("fz");
      assert.equal(fz?.groups.get("fz-g")?.members().length ?? 0, 0, "no fuzz member left");
      // What the fuzz published validly stays small, and the process (broker, fuzz clients and
      // their uncollected garbage together) stays far from growing per frame or per connection.
      assert.ok((fz?.bytes() ?? 0) < 1 << 20, `topic fz holds ${fz?.bytes()} bytes`);
      const grownMiB = (Deno.memoryUsage().rss - rssBefore) / 2 ** 20;
      console.log(`broker fuzz: RSS of the test process grew ${grownMiB.toFixed(0)} MiB`);
      assert.ok(grownMiB < 512, `RSS grew ${grownMiB.toFixed(0)} MiB`);
    } finally {
      await sub.close();
      await pub.close();
      await server.close();
    }
  },
});

/**
 * Redis Streams benchmark client (node-redis from npm, run by Deno): `pub`
 * sends XADD pipelined in windows; `sub` reads with XREADGROUP and XACKs
 * every batch. Same payloads and report format as gputel_client.ts.
 *
 * @module
 */
import { createClient, RESP_TYPES } from "redis";
import {
  arg,
  type ClientReport,
  LatencySampler,
  nowMs,
  stamp,
  stampOf,
  subReport,
} from "./_stats.ts";

const [mode, ...rest] = Deno.args;
const port = Number(arg(rest, "port"));
const count = Number(arg(rest, "count"));
const size = Number(arg(rest, "size", "256"));
const STREAM = "bench";
const client = createClient({ url: `redis://127.0.0.1:${port}` });
await client.connect();

if (mode === "setup") {
  await client.xGroupCreate(STREAM, "g", "0", { MKSTREAM: true });
  console.log(JSON.stringify({ ready: true }));
} else if (mode === "pub") {
  const payload = new Uint8Array(size);
  const start = nowMs();
  const WINDOW = 1000;
  for (let i = 0; i < count; i += WINDOW) {
    const multi = client.multi();
    for (let j = i; j < Math.min(count, i + WINDOW); j++) {
      if ((j & 63) === 0) stamp(payload);
      else if ((j & 63) === 1) payload.fill(0, 0, 8);
      multi.xAdd(STREAM, "*", { d: Buffer.from(payload) });
    }
    await multi.execAsPipeline();
  }
  const report: ClientReport = { role: "pub", messages: count, start, end: nowMs() };
  console.log(JSON.stringify(report));
} else if (mode === "sub") {
  console.log(JSON.stringify({ ready: true }));
  const sampler = new LatencySampler(count / 64);
  const bin = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  let n = 0, start = 0, last = 0;
  while (n < count) {
    const res = await bin.xReadGroup("g", "c", { key: STREAM, id: ">" }, {
      COUNT: 1000,
      BLOCK: 5000,
    });
    if (!res) continue;
    const entries =
      (res as unknown as { messages: { id: string; message: { d: Uint8Array } }[] }[])[0].messages;
    const now = nowMs();
    if (n === 0) start = now;
    last = now;
    for (const e of entries) {
      const sent = stampOf(new Uint8Array(e.message.d));
      if (sent > 0) sampler.add(now - sent);
    }
    await client.xAck(STREAM, "g", entries.map((e) => e.id));
    n += entries.length;
  }
  console.log(JSON.stringify(subReport(n, start, last, sampler)));
}
await client.quit();

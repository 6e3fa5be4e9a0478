/**
 * Raw TCP over loopback between two Deno processes: the ceiling any broker
 * on this machine works under. `recv` listens and counts bytes; `send`
 * writes `--bytes` in 256 KiB chunks. Prints one JSON report.
 *
 * @module
 */
import { arg, nowMs } from "./_stats.ts";

const [mode, ...rest] = Deno.args;
const port = Number(arg(rest, "port"));
const total = Number(arg(rest, "bytes"));

if (mode === "recv") {
  const l = Deno.listen({ hostname: "127.0.0.1", port });
  console.log(JSON.stringify({ ready: true }));
  const conn = await l.accept();
  const buf = new Uint8Array(1 << 20);
  let got = 0;
  let start = 0;
  while (got < total) {
    const n = await conn.read(buf);
    if (n === null) break;
    if (got === 0) start = nowMs();
    got += n;
  }
  console.log(JSON.stringify({ bytes: got, start, end: nowMs() }));
  conn.close();
  l.close();
} else {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const chunk = new Uint8Array(256 * 1024).fill(7);
  for (let sent = 0; sent < total;) {
    sent += await conn.write(chunk.subarray(0, Math.min(chunk.length, total - sent)));
  }
  conn.close();
  console.log(JSON.stringify({ done: true }));
}

/**
 * The floor of the end-to-end benchmark: the least a Deno program can do
 * with the same CSV in one process. It reads the file in 1 MiB chunks,
 * splits it into lines, wraps each data line as JSON (`{"line":"…"}`),
 * appends the lines to one file in 1 MiB writes and fdatasyncs it at the
 * end. No parsing, no typing, no per-GPU files, no journal: what the
 * pipeline and the direct baseline are reported against.
 *
 * `--csv FILE --out FILE`; prints `{"rows","start","end"}` as one JSON line.
 *
 * @module
 */
import { arg, nowMs } from "./_stats.ts";

const csv = arg(Deno.args, "csv");
const out = arg(Deno.args, "out");
const CHUNK = 1 << 20;

const start = nowMs();
using input = await Deno.open(csv, { read: true });
using output = await Deno.open(out, { write: true, create: true, truncate: true });
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const buf = new Uint8Array(CHUNK);
let pending = "";
let text = "";
let rows = 0;
let header = true;
const writeAll = async (bytes: Uint8Array) => {
  for (let done = 0; done < bytes.length;) done += await output.write(bytes.subarray(done));
};
for (;;) {
  const n = await input.read(buf);
  const chunk = n === null
    ? decoder.decode()
    : decoder.decode(buf.subarray(0, n), { stream: true });
  pending += chunk;
  if (n === null && pending !== "" && !pending.endsWith("\n")) pending += "\n";
  let from = 0;
  for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n", from)) {
    const line = pending.slice(from, nl);
    from = nl + 1;
    if (header) {
      header = false;
      continue;
    }
    if (line === "") continue;
    text += JSON.stringify({ line }) + "\n";
    rows++;
  }
  pending = pending.slice(from);
  if (text.length >= CHUNK || (n === null && text !== "")) {
    await writeAll(encoder.encode(text));
    text = "";
  }
  if (n === null) break;
}
await output.syncData();
console.log(JSON.stringify({ rows, start, end: nowMs() }));

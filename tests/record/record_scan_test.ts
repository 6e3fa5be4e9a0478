// The fast path of decodePayload (record_scan.ts) against the full path
// (decodeParsedPayload, JSON.parse and the checks as before) over generated
// and hostile payloads: each is accepted by both with the same answer or
// refused by both with the same sentence.
import assert from "node:assert/strict";
import { decodeParsedPayload, decodePayload } from "../../src/record/record_payload.ts";
import { scanRecordPayload } from "../../src/record/record_scan.ts";
import { mulberry32 } from "../../src/stream/prng.ts";

const enc = new TextEncoder();
const KEY = "GPU-5fd4f087-86f3-7a43-b711-4771313afc50";
const TS = "2026-11-27T17:00:00.123Z";

type Outcome =
  | { error: string }
  | { json: string; ts: number; verbatim: boolean; gpu_id: string; timestamp: string };

function outcome(decode: () => ReturnType<typeof decodePayload>): Outcome & { full?: unknown } {
  try {
    const d = decode();
    return {
      json: d.json,
      ts: d.ts,
      verbatim: d.verbatim,
      gpu_id: d.record.gpu_id,
      timestamp: d.record.timestamp,
    };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** Asserts both paths give the same answer for one payload; true when the fast path read it. */
function same(key: string, bytes: Uint8Array, what: string): boolean {
  const full = outcome(() => decodeParsedPayload(key, bytes));
  const fast = outcome(() => decodePayload(key, bytes));
  assert.deepEqual(fast, full, what);
  if ("error" in full) return false;
  const a = decodeParsedPayload(key, bytes);
  const b = decodePayload(key, bytes);
  // What the collector reads besides the JSON: the metrics (values, order,
  // -0 included) and the identity labels.
  assert.deepEqual(Object.entries(b.record.metrics), Object.entries(a.record.metrics), what);
  for (const name of ["hostname", "gpu_index", "model"]) {
    assert.equal(b.record.labels[name], a.record.labels[name], `${what}: label ${name}`);
  }
  // What the memory window reads back is the record the full path checked.
  if (a.verbatim) assert.deepEqual(JSON.parse(b.json), a.record, what);
  return scanRecordPayload(key, bytes, new TextDecoder().decode(bytes)) !== undefined;
}

const record = (over: Record<string, unknown> = {}) => ({
  gpu_id: KEY,
  timestamp: TS,
  source_timestamp: "2025-07-18T20:42:34Z",
  metrics: { DCGM_FI_DEV_GPU_UTIL: 87 },
  labels: { hostname: "sim-dgx1-hgpu-001", gpu_index: "0", model: "NVIDIA H100 80GB HBM3" },
  ...over,
});

Deno.test("decodePayload's fast path reads the streamer's records as the full path does", () => {
  const random = mulberry32(20);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const values = [
    0,
    -0,
    1,
    -1,
    87,
    0.5,
    -12.25,
    1e21,
    1.5e-7,
    123456789012345680000,
    5e-324,
    true,
    false,
    "",
    "x",
    "P0",
    "a b",
    "N/A",
  ];
  const names = ["DCGM_FI_DEV_GPU_UTIL", "temp", "1", "42", "hostname", "gpu_index", "m-x.y"];
  const labelNames = ["hostname", "gpu_index", "model", "uuid", "device", "driver_version", "0"];
  let fast = 0;
  for (let i = 0; i < 3000; i++) {
    const metrics: Record<string, unknown> = {};
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) metrics[pick(names)] = pick(values);
    const labels: Record<string, string> = {};
    for (let n = Math.floor(random() * 8); n > 0; n--) {
      labels[pick(labelNames)] = String(pick(values));
    }
    const value = record({ metrics, labels, source_timestamp: random() < 0.5 ? undefined : TS });
    const text = JSON.stringify(value);
    if (same(KEY, enc.encode(text), text)) fast++;
  }
  // Every one of them is of the streamer's shape: the fast path read them all.
  assert.equal(fast, 3000);
});

Deno.test("decodePayload's fast path defers what it is not sure of, and both paths answer alike", () => {
  const base = JSON.stringify(record());
  const texts = [
    base,
    base.replace(/,"labels":.*}$/, ',"labels":{}}'),
    JSON.stringify(record({ source_timestamp: undefined })),
    // Whitespace, escapes, non-ASCII, another key order, duplicate keys.
    JSON.stringify(record(), null, 1),
    ` ${base}`,
    `${base} `,
    `\uFEFF${base}`,
    base.replace("sim-dgx1", "sim\\u002ddgx1"),
    base.replace("sim-dgx1", 'sim\\"dgx1'),
    base.replace("sim-dgx1", "sïm-dgx1"),
    base.replace("sim-dgx1", "sim\tdgx1"),
    base.replace("sim-dgx1", "sim\ndgx1"),
    base.replace("sim-dgx1", "sim\x7fdgx1"),
    JSON.stringify(Object.fromEntries(Object.entries(record()).reverse())),
    base.replace('"metrics":{', '"metrics":{"a":1,"a":2,'),
    base.replace('"labels":{', '"labels":{"hostname":"first",'),
    base.replace('{"gpu_id"', '{"gpu_id":"x","gpu_id"'),
    base.replace('"metrics":{', '"metrics":{"__proto__":1,'),
    base.replace('"labels":{', '"labels":{"__proto__":"p",'),
    base.replace("}}", '},"__proto__":1}'),
    // Refusals: each must be refused by both with the same sentence.
    base.replace("}}", '},"_o":"forged:0:1"}'),
    base.replace("}}", '},"extra":1}'),
    base.replace(KEY, "GPU-other"),
    base.replace(KEY, KEY.slice(0, -1)),
    base.replace(KEY, KEY + "0"),
    base.replace(TS, "yesterday"),
    base.replace(TS, "2026-02-30T00:00:00Z"),
    base.replace("2025-07-18T20:42:34Z", "2025-07-18T24:00:00Z"),
    base.replace(/"metrics":\{[^}]*\}/, '"metrics":{}'),
    base.replace(/"metrics":\{[^}]*\}/, '"metrics":[1]'),
    base.replace(/"labels":\{[^}]*\}/, '"labels":null'),
    base.replace(/"labels":\{[^}]*\}/, '"labels":{"host":1}'),
    base.replace(/"labels":\{[^}]*\}/, '"labels":{"":"x"}'),
    base.replace('"metrics":{', '"metrics":{"":1,'),
    base.replace('"metrics":{', `"metrics":{"${"n".repeat(1025)}":1,`),
    base.replace('"metrics":{', `"metrics":{"${"n".repeat(1024)}":1,`),
    base.replace(/"labels":\{[^}]*\}/, `"labels":{${labelsOf(1023)}}`),
    base.replace(/"labels":\{[^}]*\}/, `"labels":{${labelsOf(1024)}}`),
    ...[
      "null",
      "[]",
      "{}",
      '"x"',
      "01",
      "+1",
      ".5",
      "1.",
      "1e",
      "-",
      "1e400",
      "-1e400",
      "NaN",
      "Infinity",
      "1E+2",
      "1e-2",
      "-0.0",
      "true1",
      "tru",
      "falsey",
      "0x10",
      "1_000",
      "2.50",
      "-0",
      "999999999999999",
      "-99999999999999",
      "9007199254740993",
    ].map(
      (v) => base.replace(":87", `:${v}`),
    ),
    base.slice(0, -1),
    base + "}",
    base + ",",
    base.replace("}}", "},}"),
    base.replace('"labels"', '"labels" '),
    "[]",
    "null",
    "",
    JSON.stringify({ timestamp: TS, fields: { metric_name: "m", value: 1, uuid: KEY } }),
    JSON.stringify({ gpu_id: KEY, timestamp: TS, fields: { metric_name: "m", value: 1 } }),
  ];
  let fast = 0;
  for (const text of texts) if (same(KEY, enc.encode(text), text.slice(0, 120))) fast++;
  // The plain ones are read by the fast path: base, empty labels, no source_timestamp, a DEL
  // in a string (JSON allows it raw), a duplicate metric or label, a "__proto__" label, a
  // 1024-character name, 1,024 fields, a string metric and eight number forms JSON allows (-0,
  // integers of 15 and 16 digits among them); the other 57 are left to the full path.
  assert.equal(fast, 18);
  for (const key of ["", "k".repeat(1025), 5 as unknown as string]) {
    same(key, enc.encode(base.replace(KEY, String(key))), `key ${String(key).slice(0, 10)}`);
  }
  const invalid = new Uint8Array([...enc.encode(base.slice(0, 40)), 0xff, ...enc.encode("x")]);
  same(KEY, invalid, "invalid UTF-8");
  same(KEY, new Uint8Array(1_048_577).fill(0x20), "over the size limit");
});

function labelsOf(n: number): string {
  return Array.from({ length: n }, (_, i) => `"l${i}":"v"`).join(",");
}

Deno.test("decodePayload's fast path and the full path agree on thousands of mutated payloads", () => {
  const random = mulberry32(7);
  const bytes = enc.encode(JSON.stringify(record()));
  const alphabet = enc.encode('{}[]":,\\ 0123456789abez.E+-tfnulrs\t\n');
  const odd = [0x00, 0x7f, 0x80, 0xc3, 0xff];
  let refused = 0;
  for (let i = 0; i < 4000; i++) {
    let m = Array.from(bytes);
    for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
      const at = Math.floor(random() * m.length);
      const c = random() < 0.9
        ? alphabet[Math.floor(random() * alphabet.length)]
        : odd[Math.floor(random() * odd.length)];
      const op = random();
      if (op < 0.5) m[at] = c;
      else if (op < 0.75) m.splice(at, 0, c);
      else if (op < 0.95) m.splice(at, 1);
      else m = m.slice(0, at);
    }
    const payload = new Uint8Array(m);
    const full = outcome(() => decodeParsedPayload(KEY, payload));
    if ("error" in full) refused++;
    same(KEY, payload, new TextDecoder().decode(payload));
  }
  // The mutations break most payloads and leave some valid: both kinds were compared.
  assert.ok(refused > 1000 && refused < 3900, `${refused} refused`);
});

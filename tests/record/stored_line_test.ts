import assert from "node:assert/strict";
import {
  encodeRecordLine,
  parseRecordLine,
  recordLineOf,
  withOrigin,
} from "../../src/record/stored_line.ts";
import type { TelemetryRecord } from "../../src/record/telemetry_record.ts";

const record = (i: number): TelemetryRecord => ({
  gpu_id: `GPU-${i}`,
  timestamp: "2026-11-27T17:00:00.123Z",
  metrics: { DCGM_FI_DEV_GPU_UTIL: i },
  labels: { hostname: `höst-${"日".repeat(i % 50)}`, model: "x".repeat(i % 3000) },
  _o: `log:0:${i}`,
});

Deno.test("encodeRecordLine gives the record's JSON and one newline, and earlier lines stay intact as the slabs fill", () => {
  const enc = new TextEncoder();
  const lines: Uint8Array[] = [];
  for (let i = 0; i < 2_000; i++) lines.push(encodeRecordLine(record(i)));
  for (let i = 0; i < lines.length; i++) {
    assert.deepEqual(lines[i], enc.encode(JSON.stringify(record(i)) + "\n"), `line ${i}`);
    const back = parseRecordLine(lines[i].subarray(0, lines[i].length - 1));
    assert.deepEqual(back?.record, record(i));
  }
});

Deno.test("withOrigin adds _o as the last field, as JSON.stringify of the record with it, and recordLineOf writes the same bytes", () => {
  const r = {
    gpu_id: "GPU-1",
    timestamp: "2026-01-01T00:00:00Z",
    metrics: { util: 1 },
    labels: { hostname: "h" },
  };
  const json = JSON.stringify(r);
  const origin = "log:3:42";
  const text = withOrigin(json, origin);
  assert.equal(text, JSON.stringify({ ...r, _o: origin }));
  assert.equal(withOrigin(json), json);
  const bytes = new TextEncoder().encode(json);
  assert.equal(new TextDecoder().decode(recordLineOf(bytes, origin)), text + "\n");
});

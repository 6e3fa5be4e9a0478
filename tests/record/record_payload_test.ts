import assert from "node:assert/strict";
import { RecordError } from "../../src/record/errors.ts";
import { decodeParsedPayload, decodePayload } from "../../src/record/record_payload.ts";
import { encodeRecordLine, recordLineOf } from "../../src/record/stored_line.ts";
import { toRecord } from "../../src/record/telemetry_record.ts";
import type { TelemetryMessage } from "../../src/record/message.ts";

const UUID = "GPU-5fd4f087-86f3-7a43-b711-4771313afc50";
const message: TelemetryMessage = {
  timestamp: "2026-11-27T17:00:00.123Z",
  source_timestamp: "2025-07-18T20:42:34Z",
  fields: {
    metric_name: "DCGM_FI_DEV_GPU_UTIL",
    gpu_id: 0,
    uuid: UUID,
    Hostname: "höst-31",
    value: 87,
    labels_raw: 'DCGM_FI_DRIVER_VERSION="535.129.03",job="dcgm"',
  },
};
const record = toRecord(UUID, message);
const enc = new TextEncoder();
const bytes = (value: unknown) => enc.encode(JSON.stringify(value));
const ORIGIN = "0123456789ab:3:42";

Deno.test("decodePayload: a record payload is the record, stored as it came plus its origin, byte for byte what a message gives", () => {
  const fromMessage = decodePayload(UUID, bytes(message));
  assert.equal(fromMessage.verbatim, false);
  assert.deepEqual(fromMessage.record, record);
  assert.equal(fromMessage.json, JSON.stringify(record));
  const payload = bytes(record);
  const fromRecord = decodePayload(UUID, payload);
  assert.equal(fromRecord.verbatim, true);
  assert.deepEqual(fromRecord.record, record);
  const withOrigin = { ...record, _o: ORIGIN };
  assert.deepEqual(recordLineOf(payload, ORIGIN), encodeRecordLine(withOrigin));
  assert.deepEqual(recordLineOf(payload), encodeRecordLine(record));
  // Wide records, with no source_timestamp, and mixed metric types.
  const wide = toRecord("GPU-w", {
    timestamp: "2026-11-27T17:00:00Z",
    fields: { uuid: "GPU-w", temp: 41.5, ok: true, host: "h" },
  });
  const ts = Date.parse(wide.timestamp);
  const json = JSON.stringify(wide);
  assert.deepEqual(decodeParsedPayload("GPU-w", bytes(wide)), {
    record: wide,
    ts,
    json,
    verbatim: true,
  });
  // ASCII, so read by the fast path: the same, but only the identity labels are read.
  const summary = { ...wide, labels: { hostname: "h" } };
  assert.deepEqual(decodePayload("GPU-w", bytes(wide)), {
    record: summary,
    ts,
    json,
    verbatim: true,
  });
  assert.deepEqual(recordLineOf(bytes(wide), ORIGIN), encodeRecordLine({ ...wide, _o: ORIGIN }));
});

Deno.test("decodePayload: bytes that are valid JSON but not one line are stored re-encoded", () => {
  for (const text of [JSON.stringify(record, null, 1), ` ${JSON.stringify(record)}`]) {
    const decoded = decodePayload(UUID, enc.encode(text));
    const expected = { record, ts: Date.parse(record.timestamp), json: JSON.stringify(record) };
    assert.deepEqual(decoded, { ...expected, verbatim: false }, text.slice(0, 20));
  }
});

Deno.test("decodePayload refuses a record payload that is not a storable record, naming why", () => {
  const bad: [unknown, RegExp][] = [
    [{ ...record, gpu_id: "GPU-other" }, /gpu_id is not the message key/],
    [{ ...record, _o: "forged:0:1" }, /record has a field "_o"/],
    [{ ...record, extra: 1 }, /record has a field "extra"/],
    [{ ...record, timestamp: "yesterday" }, /timestamp is not an RFC 3339/],
    [{ ...record, source_timestamp: 5 }, /source_timestamp is not an RFC 3339/],
    [{ ...record, metrics: {} }, /record has no metric/],
    [{ ...record, metrics: [1] }, /metrics is not a JSON object/],
    [{ ...record, metrics: { m: null } }, /metric "m" is not a string, number or boolean/],
    [{ ...record, labels: { host: 1 } }, /label "host" is not a string/],
    [{ ...record, labels: null }, /labels is not a JSON object/],
    [{ ...record, labels: { "": "x" } }, /a field name is empty/],
    [
      { ...record, labels: Object.fromEntries(Array.from({ length: 1024 }, (_, i) => [i, "v"])) },
      /1025 fields; at most 1024/,
    ],
  ];
  for (const [value, why] of bad) {
    assert.throws(() => decodePayload(UUID, bytes(value)), (e: unknown) => {
      assert.ok(e instanceof RecordError, String(e));
      assert.match(e.message, why);
      return true;
    });
  }
  assert.throws(() => decodePayload("", bytes({ ...record, gpu_id: "" })), /message key is empty/);
  const proto = enc.encode(JSON.stringify(record).replace('"gpu_id"', '"__proto__":{},"gpu_id"'));
  assert.throws(() => decodePayload(UUID, proto), /record has a field "__proto__"/);
});

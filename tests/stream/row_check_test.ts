import assert from "node:assert/strict";
import { recordJson, stampedJson, storableRecord } from "../../src/stream/row_check.ts";

Deno.test("stampedJson puts the send time in a checked record's JSON, whatever its key holds", () => {
  for (const key of ["GPU-1", 'a,"timestamp":"2026-01-01T00:00:00.000Z', 'é\\"x']) {
    const record = storableRecord(key, {
      timestamp: "2026-01-01T00:00:00.000Z",
      source_timestamp: "2025-07-18T20:42:34Z",
      fields: { uuid: key, metric_name: "m", value: 1, Hostname: "2026-01-01T00:00:00.000Z" },
    });
    assert.ok(typeof record === "object", String(record));
    const encoded = recordJson(record);
    assert.equal(encoded.json, JSON.stringify(record));
    assert.equal(stampedJson(encoded, "2026-01-01T00:00:00.000Z"), encoded.json);
    const later = JSON.parse(stampedJson(encoded, "2026-12-06T04:30:00.123Z"));
    assert.deepEqual(later, { ...record, timestamp: "2026-12-06T04:30:00.123Z" });
  }
});

Deno.test("storableRecord says why the collector would refuse a message", () => {
  assert.equal(
    storableRecord("0", { timestamp: "2026-01-01T00:00:00Z", fields: { gpu_id: 0, host: "a" } }),
    "message has no metric: no metric_name/value and no numeric field",
  );
});

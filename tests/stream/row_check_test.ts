import assert from "node:assert/strict";
import { storableRecord } from "../../src/stream/row_check.ts";
import { toRecord } from "../../src/record/telemetry_record.ts";

Deno.test("storableRecord gives the record the collector would store, or says why it would refuse the message", () => {
  const message = {
    timestamp: "2026-01-01T00:00:00.000Z",
    fields: { uuid: "GPU-1", metric_name: "m", value: 1, Hostname: "h" },
  };
  assert.deepEqual(storableRecord("GPU-1", message), toRecord("GPU-1", message));
  assert.equal(
    storableRecord("0", { timestamp: "2026-01-01T00:00:00Z", fields: { gpu_id: 0, host: "a" } }),
    "message has no metric: no metric_name/value and no numeric field",
  );
});

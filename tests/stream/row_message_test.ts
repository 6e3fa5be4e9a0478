import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.ts";
import { encodeMessage, rowToMessage } from "../../src/stream/row_message.ts";
import { parseCsvText } from "../../src/stream/csv_rows.ts";

const T0 = Date.parse("2026-11-27T17:00:00.123Z");

Deno.test("rowToMessage stamps the clock time and moves the row's timestamp to source_timestamp", () => {
  const clock = new ManualClock(T0);
  const fields = { timestamp: "2025-07-18T20:42:34Z", uuid: "GPU-a", gpu_id: 0, value: 87 };
  assert.deepStrictEqual(rowToMessage(fields, { clock }), {
    key: "GPU-a",
    message: {
      timestamp: "2026-11-27T17:00:00.123Z",
      source_timestamp: "2025-07-18T20:42:34Z",
      fields: { uuid: "GPU-a", gpu_id: 0, value: 87 },
    },
  });
  // The input row is left as it was.
  assert.deepStrictEqual(fields, {
    timestamp: "2025-07-18T20:42:34Z",
    uuid: "GPU-a",
    gpu_id: 0,
    value: 87,
  });
});

Deno.test("rowToMessage turns a numeric source timestamp into its decimal text", () => {
  const clock = new ManualClock(T0);
  const result = rowToMessage({ timestamp: 1721335354, gpu_id: 2 }, { clock });
  assert.deepStrictEqual(result?.message, {
    timestamp: "2026-11-27T17:00:00.123Z",
    source_timestamp: "1721335354",
    fields: { gpu_id: 2 },
  });
});

Deno.test("rowToMessage leaves source_timestamp out when the row has no timestamp", () => {
  const clock = new ManualClock(T0);
  const result = rowToMessage({ gpu_id: 3, temperature: 45 }, { clock });
  assert.deepStrictEqual(result, {
    key: "3",
    message: { timestamp: "2026-11-27T17:00:00.123Z", fields: { gpu_id: 3, temperature: 45 } },
  });
  assert.ok(!("source_timestamp" in result!.message));
});

Deno.test("rowToMessage reads the clock for every row", () => {
  const clock = new ManualClock(T0);
  const a = rowToMessage({ gpu_id: 0 }, { clock });
  clock.advance(1500);
  const b = rowToMessage({ gpu_id: 0 }, { clock });
  assert.strictEqual(a?.message.timestamp, "2026-11-27T17:00:00.123Z");
  assert.strictEqual(b?.message.timestamp, "2026-11-27T17:00:01.623Z");
});

Deno.test("rowToMessage returns undefined for a row without a GPU key", () => {
  const clock = new ManualClock(T0);
  assert.strictEqual(rowToMessage({ timestamp: "x", temperature: 45 }, { clock }), undefined);
  assert.strictEqual(rowToMessage({ uuid: "GPU-a" }, { clock, keyColumn: "serial" }), undefined);
});

Deno.test("rowToMessage keys by the key column when one is given", () => {
  const clock = new ManualClock(T0);
  const result = rowToMessage({ uuid: "GPU-a", Hostname: "h1" }, { clock, keyColumn: "Hostname" });
  assert.strictEqual(result?.key, "h1");
});

Deno.test("rowToMessage turns each wide-format row into one message per GPU", () => {
  const clock = new ManualClock(T0);
  const rows = parseCsvText(
    "gpu_id,temperature,utilization,memory_used,power_draw\n0,45,87,61440,312.5\n1,52,100,80123,N/A\n",
  );
  assert.deepStrictEqual(rows.map((r) => rowToMessage(r.fields, { clock })), [
    {
      key: "0",
      message: {
        timestamp: "2026-11-27T17:00:00.123Z",
        fields: {
          gpu_id: 0,
          temperature: 45,
          utilization: 87,
          memory_used: 61440,
          power_draw: 312.5,
        },
      },
    },
    {
      key: "1",
      message: {
        timestamp: "2026-11-27T17:00:00.123Z",
        fields: {
          gpu_id: 1,
          temperature: 52,
          utilization: 100,
          memory_used: 80123,
          power_draw: "N/A",
        },
      },
    },
  ]);
});

Deno.test("encodeMessage writes the message as UTF-8 JSON", () => {
  const bytes = encodeMessage({
    timestamp: "2026-11-27T17:00:00.123Z",
    source_timestamp: "2025-07-18T20:42:34Z",
    fields: { gpu_id: 0, "温度": 45, ok: true, name: "Größe" },
  });
  assert.ok(bytes instanceof Uint8Array);
  assert.strictEqual(
    new TextDecoder().decode(bytes),
    '{"timestamp":"2026-11-27T17:00:00.123Z","source_timestamp":"2025-07-18T20:42:34Z",' +
      '"fields":{"gpu_id":0,"温度":45,"ok":true,"name":"Größe"}}',
  );
  assert.deepStrictEqual([...bytes.subarray(103, 109)], [0x22, 0xe6, 0xb8, 0xa9, 0xe5, 0xba]); // "温度
});

import assert from "node:assert/strict";
import { gpuKeyOf, noKeyReason } from "../../src/record/columns.ts";
import { loadCsvRows } from "../../src/stream/csv_reader.ts";
import { exportCases, withDir } from "../_helpers.ts";

Deno.test("gpuKeyOf prefers uuid over gpu_id", () => {
  assert.strictEqual(gpuKeyOf({ gpu_id: 0, uuid: "GPU-a" }), "GPU-a");
});

Deno.test("gpuKeyOf takes the first present of uuid, UUID, gpu_uuid", () => {
  assert.strictEqual(gpuKeyOf({ gpu_uuid: "c", UUID: "b", uuid: "a" }), "a");
  assert.strictEqual(gpuKeyOf({ gpu_uuid: "c", UUID: "b", gpu_id: 1 }), "b");
  assert.strictEqual(gpuKeyOf({ gpu_uuid: "c", gpu_id: 1 }), "c");
});

Deno.test("gpuKeyOf falls back to gpu_id as a string", () => {
  assert.strictEqual(gpuKeyOf({ gpu_id: 0, temperature: 45 }), "0");
  assert.strictEqual(gpuKeyOf({ gpu_id: 7 }), "7");
  assert.strictEqual(gpuKeyOf({ gpu_id: "007" }), "007");
});

Deno.test("gpuKeyOf returns undefined for a row with no key column", () => {
  assert.strictEqual(gpuKeyOf({ temperature: 45, Hostname: "h" }), undefined);
  assert.strictEqual(gpuKeyOf({}), undefined);
});

Deno.test("gpuKeyOf with a key column uses only that column", () => {
  const fields = { uuid: "GPU-a", gpu_id: 0, Hostname: "h1", serial: 1321021034917 };
  assert.strictEqual(gpuKeyOf(fields, "Hostname"), "h1");
  assert.strictEqual(gpuKeyOf(fields, "serial"), "1321021034917");
  assert.strictEqual(gpuKeyOf(fields, "gpu_id"), "0");
  assert.strictEqual(gpuKeyOf(fields, "pci_bus"), undefined);
  assert.throws(() => gpuKeyOf(fields, ""), RangeError);
});

Deno.test("gpuKeyOf does not read keys from the object prototype", () => {
  assert.strictEqual(gpuKeyOf({ a: 1 }, "toString"), undefined);
});

Deno.test("noKeyReason names the columns it looked for", () => {
  assert.strictEqual(
    noKeyReason(),
    "row has none of the GPU key columns uuid, UUID, gpu_uuid, gpu_id (use --key COLUMN to pick one)",
  );
  assert.strictEqual(noKeyReason("serial"), "row has no value in the key column serial");
});

for (const ex of exportCases()) {
  Deno.test(`gpuKeyOf finds 247 distinct GPUs in the ${ex.label}, where gpu_id alone finds 8`, () =>
    withDir(async (dir) => {
      const rows = await loadCsvRows(await ex.file(dir));
      const keys = new Set(rows.map((r) => gpuKeyOf(r.fields)));
      assert.strictEqual(keys.size, 247);
      assert.ok(!keys.has(undefined));
      const byIndex = new Set(rows.map((r) => gpuKeyOf(r.fields, "gpu_id")));
      assert.strictEqual(byIndex.size, 8);
    }));
}

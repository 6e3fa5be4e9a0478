import assert from "node:assert/strict";
import type { CsvRow } from "../../src/stream/csv_rows.ts";
import { type BadRow, CsvRowError } from "../../src/stream/csv_errors.ts";
import { rejected } from "./_thrown.ts";
import { collect, fixture, streamOf } from "./_csv_sources.ts";

Deno.test("readCsvRows drops the BOM and reads CRLF lines", async () => {
  assert.deepStrictEqual(await collect(fixture("bom_crlf.csv")), [
    { line: 2, fields: { gpu_id: 0, name: "alpha", temp: 41.5 } },
    { line: 3, fields: { gpu_id: 1, name: "beta", temp: -3 } },
    { line: 4, fields: { gpu_id: 2, name: "gamma" } },
  ]);
});

Deno.test("readCsvRows reads quoted commas, newlines and doubled quotes, skipping blank lines", async () => {
  assert.deepStrictEqual(await collect(fixture("quoted.csv")), [
    { line: 2, fields: { id: 1, text: "a, b", note: 'said "hi"' } },
    { line: 4, fields: { id: 2, text: "line one\nline two", note: "plain" } },
    { line: 6, fields: { id: 3, text: "crlf\r\ninside", note: '"quoted"' } },
    { line: 10, fields: { id: 4 } },
    { line: 11, fields: { id: 5, text: 'x"y, z', note: "007" } },
  ]);
});

Deno.test("readCsvRows skips ragged rows and reports each with its line and field counts", async () => {
  const bad: BadRow[] = [];
  const rows = await collect(fixture("ragged.csv"), { onBadRow: (b) => bad.push(b) });
  assert.deepStrictEqual(rows, [
    { line: 2, fields: { a: 1, b: 2, c: 3 } },
    { line: 7, fields: { a: 11, b: 12, c: 13 } },
  ]);
  assert.deepStrictEqual(bad, [
    { line: 3, expected: 3, got: 2, reason: "field_count" },
    { line: 4, expected: 3, got: 4, reason: "field_count" },
    { line: 5, expected: 3, got: 2, reason: "field_count" },
  ]);
});

Deno.test("readCsvRows in strict mode throws CsvRowError at the first ragged line", async () => {
  const path = fixture("ragged.csv").pathname;
  const err = await rejected(() => collect(path, { strict: true }), CsvRowError);
  assert.strictEqual(err.name, "CsvRowError");
  assert.strictEqual(err.line, 3);
  assert.strictEqual(err.reason, "field_count");
  assert.strictEqual(
    err.message,
    `Bad CSV row at ${path}:3: row has 2 fields but the header has 3`,
  );
});

const NA_UNICODE_ROWS: CsvRow[] = [
  {
    line: 2,
    fields: { gpu_id: 0, "Größe": "Größe 80GB", "温度": 45, status: "N/A", flag: true },
  },
  {
    line: 3,
    fields: { gpu_id: 1, "Größe": "温度计 🌡️", "温度": "N/A", status: "ok", flag: false },
  },
  { line: 4, fields: { gpu_id: 2, "温度": 52.5, status: "N/A" } },
];

Deno.test("readCsvRows keeps N/A as a string and reads non-ASCII names and values", async () => {
  assert.deepStrictEqual(await collect(fixture("na_unicode.csv")), NA_UNICODE_ROWS);
});

Deno.test("readCsvRows joins characters split across file chunks of any size", async () => {
  for (const chunkBytes of [1, 2, 3, 5, 7, 11]) {
    assert.deepStrictEqual(
      await collect(fixture("na_unicode.csv"), { chunkBytes }),
      NA_UNICODE_ROWS,
      `chunkBytes ${chunkBytes}`,
    );
  }
});

Deno.test("readCsvRows reads a byte stream delivered one byte at a time", async () => {
  const bytes = await Deno.readFile(fixture("na_unicode.csv"));
  assert.deepStrictEqual(await collect(streamOf(bytes, 1)), NA_UNICODE_ROWS);
});

Deno.test("readCsvRows reads the wide format, one row per GPU", async () => {
  assert.deepStrictEqual(await collect(fixture("wide.csv")), [
    {
      line: 2,
      fields: {
        gpu_id: 0,
        temperature: 45,
        utilization: 87,
        memory_used: 61440,
        power_draw: 312.5,
      },
    },
    {
      line: 3,
      fields: {
        gpu_id: 1,
        temperature: 52,
        utilization: 100,
        memory_used: 80123,
        power_draw: 689.457,
      },
    },
    {
      line: 4,
      fields: { gpu_id: 2, temperature: 31, utilization: 0, memory_used: 4, power_draw: 66.781 },
    },
    {
      line: 5,
      fields: {
        gpu_id: 3,
        temperature: 38,
        utilization: 12,
        memory_used: 2204,
        power_draw: 117.77,
      },
    },
  ]);
});

Deno.test("readCsvRows reads nvidia-smi CSV with spaces after the commas", async () => {
  assert.deepStrictEqual(await collect(fixture("nvidia_smi.csv")), [
    {
      line: 2,
      fields: {
        index: 0,
        uuid: "GPU-5fd4f087-86f3-7a43-b711-4771313afc50",
        "temperature.gpu": 63,
        "utilization.gpu [%]": "87 %",
        "power.draw [W]": "312.50 W",
      },
    },
    {
      line: 3,
      fields: {
        index: 1,
        uuid: "GPU-bc7a12ab-4998-fdc5-0785-2678a929a142",
        "temperature.gpu": 30,
        "utilization.gpu [%]": "0 %",
        "power.draw [W]": "[N/A]",
      },
    },
  ]);
});

Deno.test("readCsvRows renames empty and duplicate header names", async () => {
  assert.deepStrictEqual(await collect(fixture("odd_header.csv")), [
    { line: 2, fields: { column_1: "r0", gpu_id: 0, gpu_id_3: 1, column_4: "x", gpu_id_2: "y" } },
  ]);
});

Deno.test("readCsvRows reads the DCGM shape with Prometheus labels in labels_raw", async () => {
  const labels = (gpu: number, uuid: string) =>
    `DCGM_FI_DRIVER_VERSION="535.129.03",Hostname="sim-dgx1-hgpu-001",UUID="${uuid}",` +
    `__name__="DCGM_FI_DEV_GPU_UTIL",device="nvidia${gpu}",gpu="${gpu}",` +
    `instance="sim-dgx1-hgpu-001:9400",job="dgx_dcgm_exporter",modelName="NVIDIA H100 80GB HBM3"`;
  const row = (line: number, gpu: number, uuid: string): CsvRow => ({
    line,
    fields: {
      timestamp: "2025-07-18T20:42:34Z",
      metric_name: "DCGM_FI_DEV_GPU_UTIL",
      gpu_id: gpu,
      device: `nvidia${gpu}`,
      uuid,
      modelName: "NVIDIA H100 80GB HBM3",
      Hostname: "sim-dgx1-hgpu-001",
      value: 0,
      labels_raw: labels(gpu, uuid),
    },
  });
  assert.deepStrictEqual(await collect(fixture("dcgm_two_rows.csv")), [
    row(2, 0, "GPU-00fb8673-8b42-c835-484f-3e32248c1e89"),
    row(3, 1, "GPU-ed025601-c567-fbb5-522e-53a50ae8dae1"),
  ]);
});

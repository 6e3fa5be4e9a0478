import assert from "node:assert/strict";
import {
  DCGM_METRICS,
  dcgmHeaderLine,
  dcgmLines,
  EXPORT_ROWS,
  EXPORT_SHAPE,
  quoteCsvField,
  resolveDcgmGeneratorOptions,
} from "../../src/stream/dcgm_generator.ts";
import { parseCsvText } from "../../src/stream/csv_rows.ts";
import type { CsvRow } from "../../src/stream/csv_rows.ts";
import { loadCsvRows } from "../../src/stream/csv_reader.ts";
import { HAS_REAL_EXPORT, REAL_EXPORT } from "../_helpers.ts";

const HEADER =
  "timestamp,metric_name,gpu_id,device,uuid,modelName,Hostname,container,pod,namespace,value,labels_raw";

function take(n: number, options = {}): string[] {
  const lines = dcgmLines(options);
  return Array.from({ length: n }, () => lines.next().value);
}

function rowsOf(n: number, options = {}): CsvRow[] {
  return parseCsvText([HEADER, ...take(n, options)].join("\n") + "\n", { strict: true });
}

Deno.test("dcgmHeaderLine is the DCGM export's header", () => {
  assert.strictEqual(dcgmHeaderLine(), HEADER);
});

Deno.test("dcgmLines quotes every field and writes labels_raw with doubled quotes", () => {
  const [line] = take(1, { hosts: 1, seed: 7 });
  assert.strictEqual(
    line,
    '"2025-07-18T20:42:34Z","DCGM_FI_DEV_GPU_UTIL","0","nvidia0",' +
      '"GPU-00fb8673-8b42-c835-484f-3e32248c1e89","NVIDIA H100 80GB HBM3","sim-dgx1-hgpu-001",' +
      '"","","","0","DCGM_FI_DRIVER_VERSION=""535.129.03"",Hostname=""sim-dgx1-hgpu-001"",' +
      'UUID=""GPU-00fb8673-8b42-c835-484f-3e32248c1e89"",__name__=""DCGM_FI_DEV_GPU_UTIL"",' +
      'device=""nvidia0"",gpu=""0"",instance=""sim-dgx1-hgpu-001:9400"",' +
      'job=""dgx_dcgm_exporter"",modelName=""NVIDIA H100 80GB HBM3"""',
  );
});

Deno.test("dcgmLines writes rounds ordered by metric, host, GPU, each round one interval later", () => {
  const rows = rowsOf(2 * 2 * 8 * 10, { hosts: 2, intervalMs: 15_000 });
  const round = 2 * 8 * 10;
  for (let i = 0; i < rows.length; i++) {
    const r = Math.floor(i / round);
    const within = i % round;
    const f = rows[i].fields;
    assert.strictEqual(f.timestamp, r === 0 ? "2025-07-18T20:42:34Z" : "2025-07-18T20:42:49Z");
    assert.strictEqual(f.metric_name, DCGM_METRICS[Math.floor(within / 16)]);
    assert.strictEqual(f.Hostname, `sim-dgx1-hgpu-00${Math.floor((within % 16) / 8) + 1}`);
    assert.strictEqual(f.gpu_id, within % 8);
    assert.strictEqual(f.device, `nvidia${within % 8}`);
  }
});

Deno.test("dcgmLines gives every GPU a unique UUID, fixed by the seed", () => {
  const uuids = (seed: number) =>
    rowsOf(100 * 8, { hosts: 100, seed }).map((r) => r.fields.uuid as string);
  const a = uuids(1);
  assert.strictEqual(new Set(a).size, 800);
  for (const u of a) {
    assert.match(u, /^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  }
  assert.deepStrictEqual(uuids(1), a);
  assert.strictEqual(uuids(2).filter((u) => a.includes(u)).length, 0);
});

Deno.test("dcgmLines gives the same lines for the same options", () => {
  assert.deepStrictEqual(take(500, { seed: 5 }), take(500, { seed: 5 }));
  assert.notDeepStrictEqual(take(500, { seed: 5 }), take(500, { seed: 6 }));
});

Deno.test("dcgmLines keeps every metric in its realistic range over 50 rounds", () => {
  const hosts = 4;
  const rows = rowsOf(50 * hosts * 8 * 10, { hosts });
  const by = new Map<string, number[]>();
  const fb = new Map<string, number>();
  for (const { fields } of rows) {
    const metric = fields.metric_name as string;
    const value = fields.value as number;
    assert.strictEqual(typeof value, "number");
    if (!by.has(metric)) by.set(metric, []);
    by.get(metric)!.push(value);
    if (metric.startsWith("DCGM_FI_DEV_FB_")) {
      const k = `${fields.timestamp}/${fields.uuid}`;
      fb.set(k, (fb.get(k) ?? 0) + value);
    }
  }
  assert.deepStrictEqual([...by.keys()], [...DCGM_METRICS]);
  const within = (metric: string, lo: number, hi: number, integer = true) => {
    for (const v of by.get(metric)!) {
      assert.ok(v >= lo && v <= hi, `${metric} = ${v} not in ${lo}..${hi}`);
      if (integer) assert.ok(Number.isInteger(v), `${metric} = ${v} not an integer`);
    }
  };
  within("DCGM_FI_DEV_GPU_UTIL", 0, 100);
  within("DCGM_FI_DEV_MEM_COPY_UTIL", 0, 100);
  within("DCGM_FI_DEV_GPU_TEMP", 25, 90);
  within("DCGM_FI_DEV_POWER_USAGE", 60, 700, false);
  within("DCGM_FI_DEV_SM_CLOCK", 345, 1980);
  within("DCGM_FI_DEV_MEM_CLOCK", 2619, 2619);
  within("DCGM_FI_DEV_ENC_UTIL", 0, 100);
  within("DCGM_FI_DEV_DEC_UTIL", 0, 100);
  for (const v of by.get("DCGM_FI_DEV_POWER_USAGE")!) {
    assert.ok(Math.abs(Math.round(v * 1000) - v * 1000) < 1e-6, `${v} has over 3 decimals`);
  }
  for (const [k, total] of fb) assert.strictEqual(total, 81_007, k);
  const util = by.get("DCGM_FI_DEV_GPU_UTIL")!;
  assert.ok(util.some((v) => v === 0) && util.some((v) => v >= 95), "both idle and busy GPUs");
  for (const metric of ["DCGM_FI_DEV_ENC_UTIL", "DCGM_FI_DEV_DEC_UTIL"]) {
    const zeros = by.get(metric)!.filter((v) => v === 0).length;
    assert.ok(zeros / by.get(metric)!.length > 0.9, `${metric} mostly 0`);
  }
});

Deno.test("resolveDcgmGeneratorOptions fills defaults and names a bad field", () => {
  assert.deepStrictEqual(resolveDcgmGeneratorOptions({ hosts: undefined }), {
    hosts: 4,
    gpusPerHost: 8,
    gpus: 32,
    metricsPerSecond: 10,
    seed: 1,
    startMs: Date.parse("2025-07-18T20:42:34Z"),
    intervalMs: 1000,
    hostPrefix: "sim-dgx1-hgpu-",
  });
  assert.throws(() => resolveDcgmGeneratorOptions({ hosts: 0 }), /^RangeError: hosts must/);
  assert.throws(() => resolveDcgmGeneratorOptions({ gpusPerHost: 1.5 }), /gpusPerHost/);
  assert.throws(() => resolveDcgmGeneratorOptions({ seed: NaN }), /seed/);
  assert.throws(() => resolveDcgmGeneratorOptions({ startMs: 1e20 }), /startMs/);
  assert.throws(() => resolveDcgmGeneratorOptions({ intervalMs: 0 }), /intervalMs/);
  assert.throws(
    () => resolveDcgmGeneratorOptions({ hosts: 2, gpus: 17 }),
    /gpus must be .* 1\.\.16/,
  );
  assert.throws(() => resolveDcgmGeneratorOptions({ metricsPerSecond: 0 }), /metricsPerSecond/);
});

Deno.test("dcgmLines in the export's shape: 247 GPUs on 31 hosts, one round over 4 timestamps", () => {
  const rows = rowsOf(EXPORT_ROWS, EXPORT_SHAPE);
  const count = (key: string) => new Set(rows.map((r) => r.fields[key])).size;
  assert.deepStrictEqual([count("uuid"), count("Hostname"), count("gpu_id")], [247, 31, 8]);
  const perHost = new Map<unknown, number>();
  for (const r of rows.slice(0, 247)) {
    perHost.set(r.fields.Hostname, (perHost.get(r.fields.Hostname) ?? 0) + 1);
  }
  assert.deepStrictEqual([...perHost.values()], [...Array(30).fill(8), 7]);
  const perSecond = new Map<unknown, number>();
  for (const r of rows) {
    perSecond.set(r.fields.timestamp, (perSecond.get(r.fields.timestamp) ?? 0) + 1);
  }
  assert.deepStrictEqual(Object.fromEntries(perSecond), {
    "2025-07-18T20:42:34Z": 3 * 247,
    "2025-07-18T20:42:35Z": 3 * 247,
    "2025-07-18T20:42:36Z": 3 * 247,
    "2025-07-18T20:42:37Z": 1 * 247,
  });
  assert.deepStrictEqual(
    rowsOf(EXPORT_ROWS + 1, EXPORT_SHAPE)[EXPORT_ROWS].fields.timestamp,
    "2025-07-18T20:42:35Z",
  );
});

Deno.test("quoteCsvField always quotes and doubles inner quotes", () => {
  assert.strictEqual(quoteCsvField(""), '""');
  assert.strictEqual(quoteCsvField('a="b"'), '"a=""b"""');
});

// An extra case where the real export is present (it never is in a fresh clone;
// the export-shape test above runs everywhere).
if (HAS_REAL_EXPORT) {
  Deno.test("dcgmLines matches the real export's columns, metrics and label keys", async () => {
    const real = await loadCsvRows(REAL_EXPORT);
    const fake = rowsOf(4 * 8 * 10);
    const firstLine = (await Deno.readTextFile(REAL_EXPORT)).split("\n", 1)[0];
    assert.strictEqual(firstLine, dcgmHeaderLine());
    const metrics = (rows: CsvRow[]) => [...new Set(rows.map((r) => r.fields.metric_name))];
    assert.deepStrictEqual(metrics(fake), metrics(real));
    const shape = (rows: CsvRow[]) =>
      new Set(rows.map((r) => String(r.fields.labels_raw).replace(/="[^"]*"/g, "")));
    assert.deepStrictEqual(shape(fake), shape(real));
    const keys = (rows: CsvRow[]) => new Set(rows.map((r) => Object.keys(r.fields).join(",")));
    assert.deepStrictEqual(keys(fake), keys(real));
  });
}

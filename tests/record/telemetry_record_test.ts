import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import Papa from "papaparse";
import { RecordError } from "../../src/record/errors.ts";
import { decodeMessage, isIdentityColumn, toRecord } from "../../src/record/telemetry_record.ts";
import type { TelemetryMessage } from "../../src/record/message.ts";
import { exportCases, withDir } from "../_helpers.ts";

const UUID = "GPU-5fd4f087-86f3-7a43-b711-4771313afc50";
const LABELS_RAW =
  `DCGM_FI_DRIVER_VERSION="535.129.03",Hostname="mtv5-dgx1-hgpu-031",UUID="${UUID}",` +
  `__name__="DCGM_FI_DEV_GPU_UTIL",device="nvidia0",gpu="0",instance="mtv5-dgx1-hgpu-031:9400",` +
  `job="dgx_dcgm_exporter",modelName="NVIDIA H100 80GB HBM3"`;

// A DCGM CSV row as the stream turns it into a message (empty columns dropped).
const dcgmMessage: TelemetryMessage = {
  timestamp: "2026-11-27T17:00:00.123Z",
  source_timestamp: "2025-07-18T20:42:34Z",
  fields: {
    metric_name: "DCGM_FI_DEV_GPU_UTIL",
    gpu_id: 0,
    device: "nvidia0",
    uuid: UUID,
    modelName: "NVIDIA H100 80GB HBM3",
    Hostname: "mtv5-dgx1-hgpu-031",
    value: 87,
    labels_raw: LABELS_RAW,
  },
};

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

Deno.test("toRecord turns a DCGM long-format row into one metric with identity labels", () => {
  const record = toRecord(UUID, dcgmMessage);
  assertEquals(record, {
    gpu_id: UUID,
    timestamp: "2026-11-27T17:00:00.123Z",
    source_timestamp: "2025-07-18T20:42:34Z",
    metrics: { DCGM_FI_DEV_GPU_UTIL: 87 },
    labels: {
      hostname: "mtv5-dgx1-hgpu-031",
      gpu_index: "0",
      model: "NVIDIA H100 80GB HBM3",
      uuid: UUID,
      device: "nvidia0",
      driver_version: "535.129.03",
      instance: "mtv5-dgx1-hgpu-031:9400",
      job: "dgx_dcgm_exporter",
    },
  });
  assertEquals(Object.keys(record), [
    "gpu_id",
    "timestamp",
    "source_timestamp",
    "metrics",
    "labels",
  ]);
});

Deno.test("toRecord turns the wide shape gpu_id,temperature,utilization,memory_used,power_draw into four metrics", () => {
  const record = toRecord("3", {
    timestamp: "2026-11-27T17:00:00Z",
    fields: {
      gpu_id: 3,
      temperature: 64.5,
      utilization: 97,
      memory_used: 40960,
      power_draw: 612.3,
    },
  });
  assertEquals(record, {
    gpu_id: "3",
    timestamp: "2026-11-27T17:00:00Z",
    metrics: { temperature: 64.5, utilization: 97, memory_used: 40960, power_draw: 612.3 },
    labels: { gpu_index: "3" },
  });
});

Deno.test("toRecord keeps wide-format booleans as metrics and strings as labels", () => {
  const record = toRecord("gpu-a", {
    timestamp: "2026-11-27T17:00:00Z",
    fields: { hostname: "h1", uuid: "gpu-a", throttled: true, power_draw: 100, region: "eu-1" },
  });
  assertEquals(record.metrics, { throttled: true, power_draw: 100 });
  assertEquals(record.labels, { hostname: "h1", uuid: "gpu-a", region: "eu-1" });
});

Deno.test("toRecord never makes an identity column a metric, whatever its case or type", () => {
  const record = toRecord("k", {
    timestamp: "2026-11-27T17:00:00Z",
    fields: {
      GPU: 2,
      HOST: "h9",
      Model: "A100",
      gpu_uuid: "GPU-x",
      container: "c",
      pod: "p",
      namespace: "ns",
      instance: "h9:9400",
      job: 7,
      sm_clock: 1410,
    },
  });
  assertEquals(record.metrics, { sm_clock: 1410 });
  assertEquals(record.labels, {
    hostname: "h9",
    gpu_index: "2",
    model: "A100",
    uuid: "GPU-x",
    container: "c",
    pod: "p",
    namespace: "ns",
    instance: "h9:9400",
    job: "7",
  });
  for (
    const name of ["gpu_id", "gpu", "gpu_index", "UUID", "modelName", "Hostname", "labels_raw"]
  ) {
    assertEquals(isIdentityColumn(name), true, name);
  }
  assertEquals(isIdentityColumn("power_draw"), false);
});

Deno.test("toRecord prefers Hostname over host and gpu_id over gpu whatever the column order", () => {
  const record = toRecord("k", {
    timestamp: "2026-11-27T17:00:00Z",
    fields: { host: "short", gpu: 5, Hostname: "long.example", gpu_id: 1, util: 1 },
  });
  assertEquals(record.labels, { hostname: "long.example", gpu_index: "1" });
});

Deno.test("toRecord lets columns win over labels_raw and adds only new labels_raw pairs", () => {
  const record = toRecord("k", {
    timestamp: "2026-11-27T17:00:00Z",
    fields: {
      metric_name: "m",
      value: 1,
      Hostname: "column-host",
      labels_raw: 'Hostname="raw-host",gpu="4",pci_bus_id="00:1E.0",err_code="0",__name__="m"',
    },
  });
  assertEquals(record.labels, {
    hostname: "column-host",
    gpu_index: "4",
    pci_bus_id: "00:1E.0",
    err_code: "0",
  });
});

Deno.test("toRecord keeps the readable pairs of a malformed labels_raw", () => {
  const record = toRecord("k", {
    timestamp: "2026-11-27T17:00:00Z",
    fields: { metric_name: "m", value: 1, labels_raw: 'job="j",broken,instance="i:1' },
  });
  assertEquals(record.labels, { job: "j" });
});

Deno.test("toRecord keeps string and boolean long-format values and extra columns as labels", () => {
  const record = toRecord("k", {
    timestamp: "2026-11-27T17:00:00Z",
    fields: { metric_name: "pstate", value: "P0", region: "eu", rack: 12 },
  });
  assertEquals(record.metrics, { pstate: "P0" });
  assertEquals(record.labels, { region: "eu", rack: "12" });
  assertEquals(
    toRecord("k", {
      timestamp: "2026-11-27T17:00:00Z",
      fields: { metric_name: "ecc", value: false },
    })
      .metrics,
    { ecc: false },
  );
});

Deno.test("toRecord makes a metric named __proto__ an own property", () => {
  const record = toRecord("k", {
    timestamp: "2026-11-27T17:00:00Z",
    fields: { metric_name: "__proto__", value: 1 },
  });
  assertEquals(Object.getPrototypeOf(record.metrics), Object.prototype);
  assertEquals(JSON.stringify(record.metrics), '{"__proto__":1}');
});

Deno.test("toRecord makes labels named __proto__ (a column or a labels_raw pair) own properties", () => {
  const fields = JSON.parse(
    '{"metric_name":"m","value":1,"__proto__":"col","labels_raw":"__proto__=\\"raw\\",x=\\"1\\""}',
  );
  const record = toRecord("k", { timestamp: "2026-11-27T17:00:00Z", fields });
  assertEquals(Object.getPrototypeOf(record.labels), Object.prototype);
  // labels_raw pairs come before the other columns, and a label is never set twice.
  assertEquals(JSON.stringify(record.labels), '{"__proto__":"raw","x":"1"}');
});

Deno.test("toRecord rejects unusable messages with RecordError", () => {
  const ts = "2026-11-27T17:00:00Z";
  const cases: [string, TelemetryMessage, string][] = [
    ["", { timestamp: ts, fields: { a: 1 } }, "message key is empty; it must name the GPU"],
    [
      "x".repeat(1025),
      { timestamp: ts, fields: { a: 1 } },
      "message key is 1025 characters; at most 1024",
    ],
    [
      "k",
      { timestamp: "2026-13-01T00:00:00Z", fields: { a: 1 } },
      'timestamp is not an RFC 3339 date-time: "2026-13-01T00:00:00Z"',
    ],
    ["k", { timestamp: ts, fields: { metric_name: "m" } }, 'metric "m" has no value'],
    [
      "k",
      { timestamp: ts, fields: { metric_name: "", value: 1 } },
      "metric_name is not a non-empty string",
    ],
    [
      "k",
      { timestamp: ts, fields: { metric_name: 5, value: 1 } },
      "metric_name is not a non-empty string",
    ],
    [
      "k",
      { timestamp: ts, fields: { gpu_id: 0, Hostname: "h", state: "idle" } },
      "message has no metric: no metric_name/value and no numeric field",
    ],
    [
      "k",
      { timestamp: ts, source_timestamp: "later", fields: { a: 1 } },
      'source_timestamp is not an RFC 3339 date-time: "later"',
    ],
  ];
  for (const [key, message, error] of cases) {
    assertThrows(() => toRecord(key, message), (e: unknown) => {
      assertEquals(e instanceof RecordError, true);
      assertEquals((e as Error).message, error);
      return true;
    });
  }
});

Deno.test("decodeMessage returns a checked message", () => {
  assertEquals(decodeMessage(encode(dcgmMessage)), dcgmMessage);
  assertEquals(decodeMessage(encode({ timestamp: "2026-11-27T17:00:00Z", fields: {}, extra: 1 })), {
    timestamp: "2026-11-27T17:00:00Z",
    fields: {},
  });
});

Deno.test("decodeMessage rejects bytes that are not a telemetry message with RecordError", () => {
  const ts = "2026-11-27T17:00:00Z";
  const cases: [Uint8Array, string][] = [
    [new Uint8Array([0xff, 0xfe]), "payload is not UTF-8 JSON"],
    [new TextEncoder().encode("{not json"), "payload is not UTF-8 JSON"],
    [new Uint8Array(), "payload is not UTF-8 JSON"],
    [encode([1, 2]), "payload is not a JSON object"],
    [encode(null), "payload is not a JSON object"],
    [encode({ fields: {} }), "timestamp is not an RFC 3339 date-time: undefined"],
    [encode({ timestamp: 5, fields: {} }), "timestamp is not an RFC 3339 date-time: number"],
    [encode({ timestamp: ts }), "fields is not a JSON object"],
    [encode({ timestamp: ts, fields: [1] }), "fields is not a JSON object"],
    [
      encode({ timestamp: ts, fields: { a: null } }),
      'field "a" is not a string, number or boolean',
    ],
    [
      encode({ timestamp: ts, fields: { a: { b: 1 } } }),
      'field "a" is not a string, number or boolean',
    ],
    [
      encode({ timestamp: ts, source_timestamp: 1, fields: {} }),
      "source_timestamp is not an RFC 3339 date-time: number",
    ],
    [
      encode({
        timestamp: ts,
        fields: Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [`f${i}`, i])),
      }),
      "message has 1025 fields; at most 1024 allowed",
    ],
  ];
  for (const [bytes, prefix] of cases) {
    assertThrows(() => decodeMessage(bytes), (e: unknown) => {
      assertEquals(e instanceof RecordError, true);
      assertEquals((e as Error).message.startsWith(prefix), true, (e as Error).message);
      return true;
    });
  }
});

for (const ex of exportCases()) {
  Deno.test(`toRecord keys the ${ex.label} by uuid: 247 GPUs on 31 hosts, 10 metrics`, () =>
    withDir(async (dir) => {
      const parsed = Papa.parse<Record<string, string>>(
        await Deno.readTextFile(await ex.file(dir)),
        {
          header: true,
          skipEmptyLines: true,
        },
      );
      const gpus = new Set<string>();
      const hosts = new Set<string>();
      const metrics = new Set<string>();
      for (const row of parsed.data) {
        const fields: Record<string, string | number> = {};
        for (const [k, v] of Object.entries(row) as [string, string][]) {
          if (k === "timestamp" || v === "") continue;
          fields[k] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
        }
        const record = toRecord(String(row.uuid), { timestamp: row.timestamp, fields });
        gpus.add(record.gpu_id);
        hosts.add(record.labels.hostname);
        for (const m of Object.keys(record.metrics)) metrics.add(m);
        assertEquals(record.labels.driver_version, "535.129.03");
        assertEquals("__name__" in record.labels, false);
      }
      assertEquals(parsed.data.length, 2470);
      assertEquals([gpus.size, hosts.size, metrics.size], [247, 31, 10]);
    }));
}

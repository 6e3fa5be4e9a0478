import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { MAX_PROM_LABELS_LENGTH, parsePromLabels } from "../../src/record/prom_labels.ts";

Deno.test("parsePromLabels reads a DCGM labels_raw value", () => {
  const raw = 'DCGM_FI_DRIVER_VERSION="535.129.03",Hostname="mtv5-dgx1-hgpu-031",' +
    'UUID="GPU-5fd4f087-86f3-7a43-b711-4771313afc50",__name__="DCGM_FI_DEV_GPU_UTIL",' +
    'device="nvidia0",gpu="0",instance="mtv5-dgx1-hgpu-031:9400",job="dgx_dcgm_exporter",' +
    'modelName="NVIDIA H100 80GB HBM3"';
  assertEquals(parsePromLabels(raw), {
    labels: {
      DCGM_FI_DRIVER_VERSION: "535.129.03",
      Hostname: "mtv5-dgx1-hgpu-031",
      UUID: "GPU-5fd4f087-86f3-7a43-b711-4771313afc50",
      __name__: "DCGM_FI_DEV_GPU_UTIL",
      device: "nvidia0",
      gpu: "0",
      instance: "mtv5-dgx1-hgpu-031:9400",
      job: "dgx_dcgm_exporter",
      modelName: "NVIDIA H100 80GB HBM3",
    },
    ok: true,
  });
});

Deno.test("parsePromLabels decodes the three escapes", () => {
  assertEquals(parsePromLabels('a="x\\"y",b="back\\\\slash",c="two\\nlines"'), {
    labels: { a: 'x"y', b: "back\\slash", c: "two\nlines" },
    ok: true,
  });
});

Deno.test("parsePromLabels accepts braces, spaces, a trailing comma, commas in values and empty input", () => {
  assertEquals(parsePromLabels(' { a = "1" , b="x,y", } '), {
    labels: { a: "1", b: "x,y" },
    ok: true,
  });
  assertEquals(parsePromLabels(""), { labels: {}, ok: true });
  assertEquals(parsePromLabels("{}"), { labels: {}, ok: true });
});

Deno.test("parsePromLabels keeps the good pairs around a bad one and flags it", () => {
  const result = parsePromLabels('a="1",9bad="2",c=3,d="4"');
  assertEquals(result.labels, { a: "1", d: "4" });
  assertEquals(result.ok, false);
  assertEquals(result.error, "bad label name at character 6");
});

Deno.test("parsePromLabels flags an unterminated value and keeps what came before", () => {
  assertEquals(parsePromLabels('a="1",b="never closed'), {
    labels: { a: "1" },
    ok: false,
    error: "unterminated value of label b",
  });
});

Deno.test("parsePromLabels keeps an unknown escape as written and flags it", () => {
  assertEquals(parsePromLabels('a="x\\ty"'), {
    labels: { a: "x\\ty" },
    ok: false,
    error: "unknown escape in label a",
  });
});

Deno.test("parsePromLabels makes __proto__ an own label, not a prototype", () => {
  const { labels } = parsePromLabels('__proto__="evil",a="1"');
  assertEquals(Object.getPrototypeOf(labels), Object.prototype);
  assertEquals(Object.keys(labels), ["__proto__", "a"]);
  assertEquals(labels["__proto__" as keyof typeof labels], "evil");
});

Deno.test("parsePromLabels never throws on junk", () => {
  const junk = [
    '"',
    "=",
    ",,,,",
    'a="\\',
    'a="x"b="y"',
    "\u0000\uffff",
    "{",
    "}",
    'a=""""',
    "a".repeat(MAX_PROM_LABELS_LENGTH + 10),
    'a="' + "x".repeat(100_000),
    null as unknown as string,
    42 as unknown as string,
  ];
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    let s = "";
    for (let j = 0; j < 20; j++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      s += 'a=",\\{} "b'[seed % 11];
    }
    junk.push(s);
  }
  for (const input of junk) {
    const result = parsePromLabels(input);
    assertEquals(typeof result.ok, "boolean");
    assertEquals(typeof result.labels, "object");
  }
  assertEquals(parsePromLabels('a="x"b="y"'), {
    labels: { a: "x" },
    ok: false,
    error: "expected ',' after label a",
  });
});

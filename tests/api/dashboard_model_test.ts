import assert from "node:assert/strict";
import {
  COLOR_METRICS,
  colorFor,
  estimateIntervalMs,
  filterGpus,
  gpuFigures,
  groupByHost,
  isStale,
  parseState,
  rangeWindow,
  sortGpus,
  stateToSearch,
  toSeries,
} from "../../src/api/dashboard/static/model.js";

const gpu = (hostname: string | null, gpu_index: string | null, latest = {}, last_seen = "") => ({
  id: `GPU-${hostname}-${gpu_index}`,
  hostname,
  gpu_index,
  model: "H100",
  first_seen: last_seen,
  last_seen,
  latest,
});

Deno.test("groupByHost sorts hosts by name and GPUs by numeric index (2 before 10)", () => {
  const groups = groupByHost([gpu("b", "10"), gpu("a", "1"), gpu("b", "2"), gpu(null, "0")]);
  assert.deepEqual(groups.map((g: { host: string }) => g.host), ["(unknown host)", "a", "b"]);
  assert.deepEqual(groups[2].gpus.map((g: { gpu_index: string }) => g.gpu_index), ["2", "10"]);
});

Deno.test("a GPU is stale only past 3 intervals without a record", () => {
  const g = gpu("a", "0", {}, "2026-01-01T00:00:00.000Z");
  const t0 = Date.parse(g.last_seen);
  assert.equal(isStale(g, t0 + 3000, 1000), false);
  assert.equal(isStale(g, t0 + 3001, 1000), true);
});

Deno.test("the interval is the median gap seen, or the fallback before any", () => {
  assert.equal(estimateIntervalMs([], 5000), 5000);
  assert.equal(estimateIntervalMs([0, -4], 5000), 5000);
  assert.equal(estimateIntervalMs([9000, 1000, 2000], 5000), 2000);
});

Deno.test("gpuFigures reads DCGM and nvidia-smi names; memory % from used and free", () => {
  const dcgm = gpuFigures(gpu("a", "0", {
    DCGM_FI_DEV_GPU_UTIL: 87,
    DCGM_FI_DEV_FB_USED: 20_000,
    DCGM_FI_DEV_FB_FREE: 60_000,
    DCGM_FI_DEV_GPU_TEMP: "hot",
  }));
  assert.deepEqual(dcgm, {
    util: 87,
    temp: undefined,
    power: undefined,
    memUsed: 20_000,
    memTotal: 80_000,
    mem: 25,
  });
  const smi = gpuFigures(gpu("a", "0", { "power.draw [W]": 301.5, "temperature.gpu": 63 }));
  assert.equal(smi.power, 301.5);
  assert.equal(smi.temp, 63);
});

Deno.test("colorFor clamps to its scale and greys out missing values", () => {
  const util = COLOR_METRICS[0];
  assert.equal(colorFor(util, -5), colorFor(util, 0));
  assert.equal(colorFor(util, 500), "rgb(200, 40, 40)");
  assert.equal(colorFor(util, undefined), "#d5d9e0");
});

Deno.test("filterGpus keeps one host's GPUs and matches text in host, index, model or id", () => {
  const gpus = [gpu("a", "0"), gpu("a", "1"), gpu("b", "0")];
  assert.deepEqual(filterGpus(gpus, "a", "").map((g: { id: string }) => g.id), [
    "GPU-a-0",
    "GPU-a-1",
  ]);
  assert.deepEqual(filterGpus(gpus, "", " gpu-B ").map((g: { id: string }) => g.id), ["GPU-b-0"]);
  assert.equal(filterGpus(gpus, "a", "b-0").length, 0);
});

Deno.test("sortGpus sorts numbers either way with missing values last", () => {
  const gpus = [
    gpu("a", "0", { DCGM_FI_DEV_GPU_UTIL: 50 }),
    gpu("a", "1", {}),
    gpu("b", "0", { DCGM_FI_DEV_GPU_UTIL: 5 }),
  ];
  const ids = (key: string, desc: boolean) =>
    sortGpus(gpus, key, desc).map((g: { id: string }) => g.id);
  assert.deepEqual(ids("util", false), ["GPU-b-0", "GPU-a-0", "GPU-a-1"]);
  assert.deepEqual(ids("util", true), ["GPU-a-0", "GPU-b-0", "GPU-a-1"]);
  assert.deepEqual(ids("index", true), ["GPU-b-0", "GPU-a-1", "GPU-a-0"]);
});

Deno.test("URL state round-trips, custom ranges included, and bad values fall back", () => {
  const state = {
    host: "h 1",
    text: "",
    gpu: "GPU-x",
    metric: "power.draw [W]",
    color: "temp",
    range: "custom",
    fromMs: Date.parse("2026-01-01T00:00:00Z"),
    toMs: Date.parse("2026-01-01T06:00:00Z"),
  };
  assert.deepEqual(parseState(stateToSearch(state)), state);
  const bad = parseState("?range=2y&color=mauve&from=x");
  assert.equal(bad.range, "1h");
  assert.equal(bad.color, "util");
  assert.equal(
    parseState("?range=custom&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z").range,
    "1h",
  );
  assert.equal(stateToSearch(parseState("")), "");
});

Deno.test("rangeWindow: presets end now and are live, custom is fixed", () => {
  assert.deepEqual(rangeWindow("15m", 1_000_000, 0, 0), {
    startMs: 100_000,
    endMs: 1_000_000,
    live: true,
  });
  assert.deepEqual(rangeWindow("custom", 9, 1, 2), { startMs: 1, endMs: 2, live: false });
});

Deno.test("toSeries takes one metric's numbers and booleans, skipping records without it", () => {
  const records = [
    { timestamp: "2026-01-01T00:00:01Z", metrics: { u: 1 } },
    { timestamp: "2026-01-01T00:00:02Z", metrics: { v: 2 } },
    { timestamp: "2026-01-01T00:00:03Z", metrics: { u: true } },
    { timestamp: "2026-01-01T00:00:04Z", metrics: { u: "n/a" } },
  ];
  const t = Date.parse("2026-01-01T00:00:00Z") / 1000;
  assert.deepEqual(toSeries(records, "u"), [[t + 1, t + 3], [1, 1]]);
});

// The dashboard's pure core: no DOM, no fetch, no clock of its own. The page
// modules and the Deno tests import it alike.

/** Names a metric goes by in DCGM exports and in nvidia-smi CSVs, per quantity. */
export const ALIASES = {
  util: ["DCGM_FI_DEV_GPU_UTIL", "utilization.gpu [%]", "utilization.gpu"],
  temp: ["DCGM_FI_DEV_GPU_TEMP", "temperature.gpu"],
  power: ["DCGM_FI_DEV_POWER_USAGE", "power.draw [W]", "power.draw"],
  memUsed: ["DCGM_FI_DEV_FB_USED", "memory.used [MiB]", "memory.used"],
  memTotal: ["DCGM_FI_DEV_FB_TOTAL", "memory.total [MiB]", "memory.total"],
  memFree: ["DCGM_FI_DEV_FB_FREE", "memory.free [MiB]", "memory.free"],
};

/** The metrics the grid can be coloured by: key, label, unit and colour scale. */
export const COLOR_METRICS = [
  { key: "util", label: "Utilization", unit: "%", min: 0, max: 100 },
  { key: "mem", label: "Memory used", unit: "%", min: 0, max: 100 },
  { key: "temp", label: "Temperature", unit: "°C", min: 25, max: 90 },
  { key: "power", label: "Power", unit: "W", min: 0, max: 700 },
];

/** The preset ranges, ms. */
export const RANGES = { "15m": 900_000, "1h": 3_600_000, "6h": 21_600_000, "24h": 86_400_000 };

/** How many sample intervals without a record make a GPU stale. */
export const STALE_INTERVALS = 3;

const pick = (latest, names) => {
  for (const name of names) {
    const v = latest[name];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return undefined;
};

/** The quantities the page shows of a GPU's latest values (each may be undefined). */
export function gpuFigures(gpu) {
  const latest = gpu.latest ?? {};
  const memUsed = pick(latest, ALIASES.memUsed);
  const free = pick(latest, ALIASES.memFree);
  const memTotal = pick(latest, ALIASES.memTotal) ??
    (memUsed !== undefined && free !== undefined ? memUsed + free : undefined);
  return {
    util: pick(latest, ALIASES.util),
    temp: pick(latest, ALIASES.temp),
    power: pick(latest, ALIASES.power),
    memUsed,
    memTotal,
    mem: memUsed !== undefined && memTotal ? (100 * memUsed) / memTotal : undefined,
  };
}

/** Compares GPU indexes numerically where they are numbers ("2" before "10"). */
export function compareIndex(a, b) {
  const [x, y] = [Number(a), Number(b)];
  if (a !== null && b !== null && Number.isFinite(x) && Number.isFinite(y) && x !== y) {
    return x - y;
  }
  return String(a ?? "").localeCompare(String(b ?? ""));
}

/** GPUs grouped by host (hosts by name, GPUs by index): `[{ host, gpus }]`. */
export function groupByHost(gpus) {
  const hosts = new Map();
  for (const gpu of gpus) {
    const host = gpu.hostname ?? "(unknown host)";
    if (!hosts.has(host)) hosts.set(host, []);
    hosts.get(host).push(gpu);
  }
  return [...hosts.keys()].sort().map((host) => ({
    host,
    gpus: hosts.get(host).sort((a, b) => compareIndex(a.gpu_index, b.gpu_index)),
  }));
}

/**
 * The fleet's sample interval, ms: the median of the gaps each GPU's
 * `last_seen` moved by between two listings, or `fallbackMs` before any moved.
 */
export function estimateIntervalMs(gaps, fallbackMs) {
  const sorted = gaps.filter((g) => g > 0).sort((a, b) => a - b);
  if (sorted.length === 0) return fallbackMs;
  return sorted[Math.floor(sorted.length / 2)];
}

/** Whether a GPU has gone `STALE_INTERVALS` intervals without a record. */
export function isStale(gpu, nowMs, intervalMs) {
  return nowMs - Date.parse(gpu.last_seen) > STALE_INTERVALS * intervalMs;
}

/** A colour for `value` on the scale of `metric` (one of COLOR_METRICS), or the no-data grey. */
export function colorFor(metric, value) {
  if (value === undefined) return "#d5d9e0";
  const t = Math.min(1, Math.max(0, (value - metric.min) / (metric.max - metric.min)));
  // From a pale blue (idle) through teal and amber to a deep red (hot).
  const stops = [[219, 234, 254], [45, 170, 160], [245, 180, 50], [200, 40, 40]];
  const pos = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** GPUs of `host` (all when empty) whose host, index, model or id contains `text`. */
export function filterGpus(gpus, host, text) {
  const needle = text.trim().toLowerCase();
  return gpus.filter((g) =>
    (!host || g.hostname === host) &&
    (!needle ||
      [g.hostname, g.gpu_index, g.model, g.id].some((v) =>
        v !== null && String(v).toLowerCase().includes(needle)
      ))
  );
}

/** The value a table column sorts by. */
export function sortValue(gpu, key) {
  switch (key) {
    case "host":
      return gpu.hostname ?? "";
    case "model":
      return gpu.model ?? "";
    case "uuid":
      return gpu.id;
    case "last_seen":
      return Date.parse(gpu.last_seen);
    default:
      return gpuFigures(gpu)[key];
  }
}

/** A sorted copy; `key` "index" sorts by host then index; missing values sort last. */
export function sortGpus(gpus, key, descending) {
  const sign = descending ? -1 : 1;
  const byHostIndex = (a, b) =>
    (a.hostname ?? "").localeCompare(b.hostname ?? "") || compareIndex(a.gpu_index, b.gpu_index);
  return [...gpus].sort((a, b) => {
    if (key === "index") return sign * byHostIndex(a, b);
    const [x, y] = [sortValue(a, key), sortValue(b, key)];
    if (x === undefined || y === undefined) {
      return (x === undefined) - (y === undefined) || byHostIndex(a, b);
    }
    const c = typeof x === "string" ? x.localeCompare(y) : x - y;
    return sign * c || byHostIndex(a, b);
  });
}

/**
 * The window a range covers: `{ startMs, endMs, live }`. Presets end now and
 * are live; "custom" uses `fromMs`..`toMs`.
 */
export function rangeWindow(range, nowMs, fromMs, toMs) {
  if (range === "custom") return { startMs: fromMs, endMs: toMs, live: false };
  const span = RANGES[range] ?? RANGES["1h"];
  return { startMs: nowMs - span, endMs: nowMs, live: true };
}

/** The page's shareable state from a query string. */
export function parseState(search) {
  const q = new URLSearchParams(search);
  const range = q.get("range");
  const from = Date.parse(q.get("from") ?? "");
  const to = Date.parse(q.get("to") ?? "");
  const custom = range === "custom" && Number.isFinite(from) && Number.isFinite(to) && from < to;
  const color = q.get("color");
  return {
    host: q.get("host") ?? "",
    text: q.get("q") ?? "",
    gpu: q.get("gpu") ?? "",
    metric: q.get("metric") ?? "",
    color: COLOR_METRICS.some((m) => m.key === color) ? color : "util",
    range: custom ? "custom" : (Object.hasOwn(RANGES, range ?? "") ? range : "1h"),
    fromMs: custom ? from : undefined,
    toMs: custom ? to : undefined,
  };
}

/** The query string of a state (defaults left out). */
export function stateToSearch(state) {
  const q = new URLSearchParams();
  if (state.host) q.set("host", state.host);
  if (state.text) q.set("q", state.text);
  if (state.gpu) q.set("gpu", state.gpu);
  if (state.metric) q.set("metric", state.metric);
  if (state.color && state.color !== "util") q.set("color", state.color);
  if (state.range === "custom") {
    q.set("range", "custom");
    q.set("from", new Date(state.fromMs).toISOString());
    q.set("to", new Date(state.toMs).toISOString());
  } else if (state.range && state.range !== "1h") q.set("range", state.range);
  const text = q.toString();
  return text ? `?${text}` : "";
}

/** uPlot's columns for one metric of some records: `[seconds[], values[]]`, records without it left out. */
export function toSeries(records, metric) {
  const xs = [];
  const ys = [];
  for (const r of records) {
    const v = r.metrics[metric];
    const y = typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : undefined;
    if (y === undefined) continue;
    xs.push(Date.parse(r.timestamp) / 1000);
    ys.push(y);
  }
  return [xs, ys];
}

/** The numeric metric names of a GPU's latest values, sorted. */
export function numericMetrics(gpu) {
  return Object.entries(gpu.latest ?? {})
    .filter(([, v]) => typeof v === "number" || typeof v === "boolean")
    .map(([k]) => k)
    .sort();
}

/** A number for display: `—` when missing, else at most `digits` decimals. */
export function formatNumber(value, digits = 1) {
  if (value === undefined || value === null) return "—";
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

/** How long ago, in words: "4 s ago", "3 min ago", "2 h ago", "5 d ago". */
export function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** Escapes text for HTML. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

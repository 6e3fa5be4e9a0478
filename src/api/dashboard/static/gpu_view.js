// One GPU: a uPlot chart of one numeric metric over a range (presets end now
// and refresh live; a custom range is fixed), the metric picker and the raw
// records. The chart element carries what the tests and budgets read:
// data-points, data-start, data-end, data-metric, data-loads (loads started),
// data-loaded-for (the load drawn last), data-draw-ms.

import { telemetry } from "./api.js";
import { ALIASES, escapeHtml, numericMetrics, RANGES, rangeWindow, toSeries } from "./model.js";

/** How often a range that ends now is refreshed, ms. */
export const LIVE_REFRESH_MS = 5000;

const RAW_SHOWN = 100;

const localInput = (ms) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
};

/** The GPU panel. */
export class GpuView {
  #els;
  #onChange;
  #onError;
  #state;
  #gpu;
  #plot;
  #xs = [];
  #ys = [];
  #records = [];
  #window;
  #abort;
  #timer;
  #loads = 0;

  /** `els`: the panel's elements by id; `onChange(patch)` updates the URL state. */
  constructor(els, onChange, onError) {
    this.#els = els;
    this.#onChange = onChange;
    this.#onError = onError;
    for (const b of els.ranges.querySelectorAll("button")) {
      b.addEventListener("click", () => this.#pickRange(b.dataset.range));
    }
    els.custom.addEventListener("submit", (e) => {
      e.preventDefault();
      const fromMs = new Date(els.from.value).getTime();
      const toMs = new Date(els.to.value).getTime();
      if (!(fromMs < toMs)) {
        els.status.textContent = "The custom range must end after it starts.";
        return;
      }
      this.#onChange({ range: "custom", fromMs, toMs });
    });
    els.metric.addEventListener("change", () => this.#onChange({ metric: els.metric.value }));
    els.rawToggle.addEventListener("click", () => {
      const open = els.raw.hidden;
      els.raw.hidden = !open;
      els.rawToggle.setAttribute("aria-expanded", String(open));
      if (open) this.#renderRaw();
    });
    addEventListener("resize", () => this.#plot?.setSize(this.#size()));
  }

  /** Shows `gpu` per `state` (gpu, metric, range, fromMs, toMs); reloads when those changed. */
  show(gpu, state) {
    const key = (s) => [s.gpu, s.metric, s.range, s.fromMs, s.toMs].join("\n");
    const changed = this.#gpu?.id !== gpu.id || this.#state === undefined ||
      key(this.#state) !== key(state);
    this.#gpu = gpu;
    this.#state = state;
    const { panel, heading, sub, metric, ranges, custom, from, to } = this.#els;
    panel.hidden = false;
    heading.textContent = `${gpu.hostname ?? "?"} · GPU ${gpu.gpu_index ?? "?"}`;
    sub.textContent = `${gpu.model ?? ""} · ${gpu.id}`;
    const names = numericMetrics(gpu);
    const chosen = names.includes(state.metric)
      ? state.metric
      : ALIASES.util.find((n) => names.includes(n)) ?? names[0] ?? "";
    metric.innerHTML = names.map((n) =>
      `<option${n === chosen ? " selected" : ""}>${escapeHtml(n)}</option>`
    ).join("");
    for (const b of ranges.querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(b.dataset.range === state.range));
    }
    custom.hidden = state.range !== "custom";
    if (state.range === "custom") {
      from.value = localInput(state.fromMs);
      to.value = localInput(state.toMs);
    }
    if (changed) void this.#load(chosen);
  }

  /** Hides the panel and stops refreshing. */
  hide() {
    this.#stop();
    this.#gpu = undefined;
    this.#state = undefined;
    this.#els.panel.hidden = true;
  }

  #stop() {
    this.#abort?.abort();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #pickRange(range) {
    if (range !== "custom") return this.#onChange({ range });
    const end = Date.now();
    this.#onChange({ range, fromMs: end - RANGES["1h"], toMs: end });
  }

  #size() {
    return { width: Math.max(320, this.#els.chart.clientWidth), height: 300 };
  }

  async #load(metric) {
    this.#stop();
    const abort = this.#abort = new AbortController();
    const { range, fromMs, toMs } = this.#state;
    this.#window = rangeWindow(range, Date.now(), fromMs, toMs);
    const { status, chart } = this.#els;
    status.textContent = "Loading…";
    chart.dataset.loads = String(++this.#loads);
    try {
      const { startMs, endMs } = this.#window;
      const records = await telemetry(this.#gpu.id, metric, startMs, endMs, abort.signal, (n) => {
        status.textContent = `Loading… ${n.toLocaleString()} records`;
      });
      if (abort.signal.aborted) return;
      const arrived = performance.now();
      this.#records = records;
      [this.#xs, this.#ys] = toSeries(records, metric);
      await this.#draw(metric, arrived);
      if (this.#window.live) {
        this.#timer = setInterval(() => void this.#refresh(metric, abort.signal), LIVE_REFRESH_MS);
      }
    } catch (error) {
      if (!abort.signal.aborted) this.#onError(error);
    }
  }

  // Draws the series and resolves once the frame holding it has been painted;
  // data-draw-ms is the time from the data's arrival (`arrived`) to then.
  async #draw(metric, arrived) {
    const { chart, status } = this.#els;
    this.#plot?.destroy();
    this.#plot = new globalThis.uPlot(
      {
        ...this.#size(),
        series: [{}, {
          label: metric,
          stroke: "#2563eb",
          width: 1.5,
          fill: "rgba(37, 99, 235, 0.08)",
          points: { show: this.#xs.length < 200 },
        }],
        scales: { x: { time: true } },
        axes: [{ stroke: "#667085" }, { stroke: "#667085", size: 60 }],
      },
      [this.#xs, this.#ys],
      chart,
    );
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const drawMs = performance.now() - arrived;
    const { startMs, endMs } = this.#window;
    Object.assign(chart.dataset, {
      points: String(this.#xs.length),
      start: new Date(startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      metric,
      drawMs: drawMs.toFixed(1),
      loadedFor: chart.dataset.loads,
    });
    status.textContent = `${this.#xs.length.toLocaleString()} points · drawn in ${
      drawMs.toFixed(0)
    } ms${this.#window.live ? ` · live, every ${LIVE_REFRESH_MS / 1000} s` : ""}`;
    this.#renderRaw();
  }

  // Appends what arrived since the newest point and drops what left the range.
  async #refresh(metric, signal) {
    const last = this.#records.at(-1);
    const now = Date.now();
    const span = this.#window.endMs - this.#window.startMs;
    const fromMs = last ? Date.parse(last.timestamp) : now - span;
    try {
      const fresh = await telemetry(this.#gpu.id, metric, fromMs, now, signal);
      if (signal.aborted) return;
      // Records at the newest timestamp already shown arrive again: skip as many.
      let seen = 0;
      for (let i = this.#records.length - 1; i >= 0; i--) {
        if (this.#records[i].timestamp !== last?.timestamp) break;
        seen++;
      }
      const added = fresh.slice(seen);
      this.#window = { startMs: now - span, endMs: now, live: true };
      const cutoff = this.#window.startMs;
      this.#records = this.#records.concat(added).filter((r) => Date.parse(r.timestamp) >= cutoff);
      [this.#xs, this.#ys] = toSeries(this.#records, metric);
      this.#plot.setData([this.#xs, this.#ys]);
      Object.assign(this.#els.chart.dataset, {
        points: String(this.#xs.length),
        start: new Date(this.#window.startMs).toISOString(),
        end: new Date(now).toISOString(),
      });
      this.#renderRaw();
    } catch (error) {
      if (!signal.aborted) this.#onError(error);
    }
  }

  #renderRaw() {
    const { raw, rawText, rawLink } = this.#els;
    if (raw.hidden || this.#gpu === undefined) return;
    const { startMs, endMs } = this.#window;
    const q = new URLSearchParams({
      start_time: new Date(startMs).toISOString(),
      end_time: new Date(endMs).toISOString(),
      metric: this.#els.metric.value,
    });
    rawLink.href = `/api/v1/gpus/${encodeURIComponent(this.#gpu.id)}/telemetry?${q}`;
    const newest = this.#records.slice(-RAW_SHOWN).reverse();
    rawText.textContent = newest.length
      ? newest.map((r) => JSON.stringify(r)).join("\n")
      : "No records in this range.";
  }
}

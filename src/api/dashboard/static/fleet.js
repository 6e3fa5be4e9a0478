// The fleet at a glance: the summary figures, the grid of every GPU grouped
// by host (one focusable cell at a time; arrow keys move, Enter opens) and
// the hover card of a GPU's latest values.

import {
  ago,
  colorFor,
  escapeHtml,
  formatNumber,
  gpuFigures,
  groupByHost,
  numericMetrics,
} from "./model.js";

/** Fills the header's figures: hosts, GPUs, stale GPUs, mean utilization. */
export function renderSummary(el, gpus, staleIds) {
  const hosts = new Set(gpus.map((g) => g.hostname ?? "")).size;
  const utils = gpus.map((g) => gpuFigures(g).util).filter((v) => v !== undefined);
  const mean = utils.length ? utils.reduce((a, b) => a + b, 0) / utils.length : undefined;
  const stat = (value, label, cls = "") =>
    `<span class="stat ${cls}"><b>${escapeHtml(value)}</b>${escapeHtml(label)}</span>`;
  el.innerHTML = stat(hosts, hosts === 1 ? "host" : "hosts") +
    stat(gpus.length, gpus.length === 1 ? "GPU" : "GPUs") +
    stat(staleIds.size, "stale", staleIds.size ? "warn" : "") +
    stat(mean === undefined ? "—" : `${mean.toFixed(0)}%`, "mean utilization");
}

/** Draws the colour scale of `metric` into the legend. */
export function renderLegend(el, metric) {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) =>
    colorFor(metric, metric.min + t * (metric.max - metric.min))
  );
  el.innerHTML = `<span>${metric.min}${escapeHtml(metric.unit)}</span>` +
    `<span class="bar" style="background: linear-gradient(90deg, ${stops.join(", ")})"></span>` +
    `<span>${metric.max}${escapeHtml(metric.unit)}</span>` +
    `<span class="swatch" style="background: ${colorFor(metric, undefined)}"></span> no data` +
    `<span class="swatch stale-swatch"></span> stale`;
}

/** Renders the grid; each cell is a button carrying `data-id`. */
export function renderGrid(el, gpus, metric, staleIds, selectedId) {
  const parts = [];
  for (const { host, gpus: list } of groupByHost(gpus)) {
    parts.push(
      `<div class="host" data-host="${escapeHtml(host)}"><div class="host-name" title="${
        escapeHtml(host)
      }"><b>${escapeHtml(host)}</b> · ${list.length} GPU${list.length === 1 ? "" : "s"}</div>` +
        `<div class="cells">`,
    );
    for (const gpu of list) {
      const value = gpuFigures(gpu)[metric.key];
      const stale = staleIds.has(gpu.id);
      const classes = `cell${stale ? " stale" : ""}${gpu.id === selectedId ? " selected" : ""}`;
      const label = `${host} GPU ${gpu.gpu_index ?? "?"}: ${metric.label} ${
        formatNumber(value)
      }${metric.unit}${stale ? ", stale" : ""}`;
      parts.push(
        `<button type="button" class="${classes}" tabindex="-1" data-id="${
          escapeHtml(gpu.id)
        }" aria-label="${escapeHtml(label)}" style="background-color: ${colorFor(metric, value)}">${
          escapeHtml(gpu.gpu_index ?? "")
        }</button>`,
      );
    }
    parts.push("</div></div>");
  }
  const focused = document.activeElement?.dataset?.id;
  el.innerHTML = parts.join("");
  const cells = el.querySelectorAll(".cell");
  const current = [...cells].find((c) => c.dataset.id === (focused ?? selectedId)) ?? cells[0];
  if (current) current.tabIndex = 0;
  if (focused && current?.dataset.id === focused) current.focus();
}

/** Arrow keys, Home and End move the focus among the grid's cells. */
export function gridKeys(el, event) {
  const cells = [...el.querySelectorAll(".cell")];
  const i = cells.indexOf(document.activeElement);
  if (i < 0) return;
  const step = { ArrowRight: 1, ArrowDown: 8, ArrowLeft: -1, ArrowUp: -8 }[event.key];
  let next;
  if (step !== undefined) next = cells[Math.min(cells.length - 1, Math.max(0, i + step))];
  else if (event.key === "Home") next = cells[0];
  else if (event.key === "End") next = cells[cells.length - 1];
  if (next === undefined) return;
  event.preventDefault();
  cells[i].tabIndex = -1;
  next.tabIndex = 0;
  next.focus();
}

/** The hover card: a GPU's identity and every numeric latest value. */
export function showTooltip(tip, gpu, anchor, nowMs, stale) {
  const rows = numericMetrics(gpu).map((name) =>
    `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(formatNumber(gpu.latest[name], 2))}</dd>`
  );
  tip.innerHTML =
    `<b>${escapeHtml(gpu.hostname ?? "?")} · GPU ${escapeHtml(gpu.gpu_index ?? "?")}</b><br>${
      escapeHtml(gpu.model ?? "")
    }<br><span>${escapeHtml(gpu.id)}</span><br>` +
    `<span>last seen ${escapeHtml(ago(nowMs - Date.parse(gpu.last_seen)))}${
      stale ? " (stale)" : ""
    }</span><dl>${rows.join("")}</dl>`;
  tip.hidden = false;
  const r = anchor.getBoundingClientRect();
  const w = tip.offsetWidth;
  const h = tip.offsetHeight;
  tip.style.left = `${Math.max(4, Math.min(innerWidth - w - 4, r.left + r.width / 2 - w / 2))}px`;
  tip.style.top = `${r.bottom + 8 + h > innerHeight ? r.top - h - 8 : r.bottom + 8}px`;
}

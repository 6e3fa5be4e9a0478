// The dashboard's entry: URL state, the fleet listing refreshed every few
// seconds, the token form, and the wiring of grid, table and GPU panel.

import { ApiError, getJson, savedToken, saveToken } from "./api.js";
import { gridKeys, renderGrid, renderLegend, renderSummary, showTooltip } from "./fleet.js";
import { GpuView } from "./gpu_view.js";
import {
  COLOR_METRICS,
  escapeHtml,
  estimateIntervalMs,
  filterGpus,
  isStale,
  parseState,
  stateToSearch,
} from "./model.js";
import { GpuTable } from "./table.js";

/** How often the fleet listing is read again, ms. */
const FLEET_REFRESH_MS = 5000;

const $ = (id) => document.getElementById(id);

let state = parseState(location.search);
let gpus = [];
let byId = new Map();
const gaps = new Map();
let staleIds = new Set();
let timer;
let painted = false;

const table = new GpuTable({
  table: $("gpu-table"),
  rows: $("gpu-rows"),
  prev: $("prev"),
  next: $("next"),
  pageInfo: $("page-info"),
  count: $("table-count"),
}, (id) => openGpu(id));

const view = new GpuView(
  {
    panel: $("gpu-panel"),
    heading: $("gpu-h"),
    sub: $("gpu-sub"),
    ranges: $("ranges"),
    custom: $("custom"),
    from: $("from"),
    to: $("to"),
    metric: $("metric"),
    rawToggle: $("raw-toggle"),
    raw: $("raw"),
    rawText: $("raw-text"),
    rawLink: $("raw-link"),
    chart: $("chart"),
    status: $("chart-status"),
  },
  (patch) => setState(patch, true),
  showError,
);

function setState(patch, push) {
  const resetPage = "host" in patch || "text" in patch;
  state = { ...state, ...patch };
  const url = location.pathname + stateToSearch(state);
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  render(resetPage);
}

function openGpu(id) {
  setState({ gpu: id }, true);
  $("gpu-panel").scrollIntoView({ block: "nearest", behavior: "smooth" });
}

function render(resetPage = false) {
  const metric = COLOR_METRICS.find((m) => m.key === state.color) ?? COLOR_METRICS[0];
  const hosts = [...new Set(gpus.map((g) => g.hostname ?? ""))].filter(Boolean).sort();
  $("host-filter").innerHTML = `<option value="">All hosts (${hosts.length})</option>` +
    hosts.map((h) =>
      `<option${h === state.host ? " selected" : ""} value="${escapeHtml(h)}">${
        escapeHtml(h)
      }</option>`
    ).join("");
  $("text-filter").value = state.text;
  $("color-by").value = metric.key;
  renderLegend($("legend"), metric);
  const shown = filterGpus(gpus, state.host, state.text);
  renderSummary($("summary"), gpus, staleIds);
  renderGrid($("grid"), shown, metric, staleIds, state.gpu);
  table.update(shown, staleIds, state.gpu, resetPage);
  const gpu = byId.get(state.gpu);
  if (gpu) view.show(gpu, state);
  else view.hide();
}

async function loadFleet() {
  try {
    const list = await getJson("/api/v1/gpus");
    for (const g of list.gpus) {
      const before = byId.get(g.id);
      if (before && before.last_seen !== g.last_seen) {
        gaps.set(g.id, Date.parse(g.last_seen) - Date.parse(before.last_seen));
      }
    }
    gpus = list.gpus;
    byId = new Map(gpus.map((g) => [g.id, g]));
    const now = Date.now();
    const interval = estimateIntervalMs([...gaps.values()], FLEET_REFRESH_MS);
    staleIds = new Set(gpus.filter((g) => isStale(g, now, interval)).map((g) => g.id));
    $("login").hidden = true;
    $("main").hidden = false;
    $("error").hidden = true;
    $("forget-token").hidden = savedToken() === "";
    $("updated").textContent = `Updated ${new Date(now).toLocaleTimeString()}`;
    render();
    if (!painted) {
      painted = true;
      requestAnimationFrame(() => setTimeout(() => performance.mark("fleet-painted"), 0));
    }
    timer ??= setInterval(loadFleet, FLEET_REFRESH_MS);
  } catch (error) {
    showError(error);
  }
}

function showError(error) {
  if (error instanceof ApiError && error.status === 401) {
    clearInterval(timer);
    timer = undefined;
    view.hide();
    $("main").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = savedToken() ? error.message : "";
    $("token").focus();
    return;
  }
  const banner = $("error");
  banner.textContent = error instanceof ApiError
    ? `The API answered ${error.status}: ${error.message}`
    : `Cannot reach the API: ${error.message}`;
  banner.hidden = false;
}

$("color-by").innerHTML = COLOR_METRICS.map((m) => `<option value="${m.key}">${m.label}</option>`)
  .join("");
$("color-by").addEventListener("change", (e) => setState({ color: e.target.value }, false));
$("host-filter").addEventListener("change", (e) => setState({ host: e.target.value }, true));
$("text-filter").addEventListener("input", (e) => setState({ text: e.target.value }, false));
$("gpu-close").addEventListener("click", () => setState({ gpu: "" }, true));
$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  saveToken($("token").value.trim());
  $("login-error").textContent = "Checking…";
  void loadFleet();
});
$("forget-token").addEventListener("click", () => {
  saveToken("");
  location.reload();
});

const grid = $("grid");
const tip = $("tooltip");
const hoverCell = (e) => {
  const cell = e.target.closest?.(".cell");
  const gpu = cell && byId.get(cell.dataset.id);
  if (gpu) showTooltip(tip, gpu, cell, Date.now(), staleIds.has(gpu.id));
};
grid.addEventListener("mouseover", hoverCell);
grid.addEventListener("focusin", hoverCell);
grid.addEventListener("mouseleave", () => tip.hidden = true);
grid.addEventListener("focusout", () => tip.hidden = true);
grid.addEventListener("keydown", (e) => gridKeys(grid, e));
grid.addEventListener("click", (e) => {
  const cell = e.target.closest(".cell");
  if (cell) openGpu(cell.dataset.id);
});
addEventListener("popstate", () => {
  state = parseState(location.search);
  render(true);
});

void loadFleet();

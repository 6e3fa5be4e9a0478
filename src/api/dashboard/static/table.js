// The GPU table: sortable by any column (header buttons), paged so 2,000
// GPUs cost the DOM one page of rows; a row click or Enter opens the GPU.

import { ago, escapeHtml, formatNumber, gpuFigures, sortGpus } from "./model.js";

/** Rows per page. */
export const PAGE_SIZE = 100;

/** The table's state and rendering. */
export class GpuTable {
  #els;
  #onOpen;
  #sortKey = "index";
  #descending = false;
  #page = 0;
  #gpus = [];
  #staleIds = new Set();
  #selectedId = "";

  /** `els`: { table, rows, prev, next, pageInfo, count }; `onOpen(id)` opens a GPU. */
  constructor(els, onOpen) {
    this.#els = els;
    this.#onOpen = onOpen;
    for (const th of els.table.querySelectorAll("th[data-sort]")) {
      th.querySelector("button").addEventListener("click", () => this.#sortBy(th.dataset.sort));
    }
    els.prev.addEventListener("click", () => this.#turn(-1));
    els.next.addEventListener("click", () => this.#turn(1));
    els.rows.addEventListener("click", (e) => {
      const row = e.target.closest("tr[data-id]");
      if (row) this.#onOpen(row.dataset.id);
    });
    els.rows.addEventListener("keydown", (e) => {
      const row = e.target.closest("tr[data-id]");
      if (row && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        this.#onOpen(row.dataset.id);
      }
    });
  }

  /** Shows `gpus` (already filtered); `resetPage` goes back to the first page. */
  update(gpus, staleIds, selectedId, resetPage = false) {
    this.#gpus = gpus;
    this.#staleIds = staleIds;
    this.#selectedId = selectedId;
    if (resetPage) this.#page = 0;
    this.#render();
  }

  #sortBy(key) {
    this.#descending = this.#sortKey === key ? !this.#descending : false;
    this.#sortKey = key;
    this.#page = 0;
    this.#render();
  }

  #turn(delta) {
    this.#page += delta;
    this.#render();
  }

  #render() {
    const { table, rows, prev, next, pageInfo, count } = this.#els;
    const pages = Math.max(1, Math.ceil(this.#gpus.length / PAGE_SIZE));
    this.#page = Math.min(Math.max(0, this.#page), pages - 1);
    const sorted = sortGpus(this.#gpus, this.#sortKey, this.#descending);
    const shown = sorted.slice(this.#page * PAGE_SIZE, (this.#page + 1) * PAGE_SIZE);
    const now = Date.now();
    rows.innerHTML = shown.map((g) => this.#row(g, now)).join("");
    for (const th of table.querySelectorAll("th[data-sort]")) {
      if (th.dataset.sort === this.#sortKey) {
        th.setAttribute("aria-sort", this.#descending ? "descending" : "ascending");
      } else th.removeAttribute("aria-sort");
    }
    prev.disabled = this.#page === 0;
    next.disabled = this.#page >= pages - 1;
    pageInfo.textContent = `Page ${this.#page + 1} of ${pages}`;
    count.textContent = `${this.#gpus.length} GPU${this.#gpus.length === 1 ? "" : "s"}`;
  }

  #row(g, now) {
    const f = gpuFigures(g);
    const mem = f.memUsed === undefined && f.memTotal === undefined
      ? "—"
      : `${formatNumber(f.memUsed, 0)} / ${formatNumber(f.memTotal, 0)}`;
    const stale = this.#staleIds.has(g.id) ? `<span class="stale-tag">stale</span>` : "";
    const selected = g.id === this.#selectedId ? ` class="selected" aria-selected="true"` : "";
    return `<tr data-id="${escapeHtml(g.id)}" tabindex="0"${selected}>` +
      `<td>${escapeHtml(g.hostname ?? "—")}</td><td>${escapeHtml(g.gpu_index ?? "—")}</td>` +
      `<td>${escapeHtml(g.model ?? "—")}</td><td class="uuid">${escapeHtml(g.id)}</td>` +
      `<td class="num">${formatNumber(f.util)}</td><td class="num">${mem}</td>` +
      `<td class="num">${formatNumber(f.temp)}</td><td class="num">${formatNumber(f.power)}</td>` +
      `<td title="${escapeHtml(g.last_seen)}">${escapeHtml(ago(now - Date.parse(g.last_seen)))}` +
      `${stale}</td></tr>`;
  }
}

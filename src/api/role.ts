/**
 * The `api` role: the query API over every collector dir under a data dir,
 * read-only. It consumes nothing and takes no collector's lock; it follows
 * the files live collectors write through their checkpoints (see
 * {@linkcode DataDirView}), catching up before answering a request when the
 * last catch-up is older than `minRefreshMs`.
 *
 * @module
 */

import { DataDirView } from "../query/data_dir_view.ts";
import { newHttpGuardCounters } from "../net/http_guard.ts";
import type { TlsServerConfig } from "../net/tls.ts";
import type { Logger } from "../obs/log.ts";
import { createApiApp } from "./app.ts";
import { guardedApiOptions, ServedApi } from "./served_api.ts";

/** Options of {@linkcode startApiRole}. */
export interface ApiRoleOptions {
  /** The data dir the collectors write under (`<dataDir>/<id>/`). */
  dataDir: string;
  /** Bind address. @default {DEFAULT_HOST} */
  host?: string;
  /** Port; 0 picks a free one. @default {DEFAULT_API_PORT} */
  apiPort?: number;
  /** Newest records kept in memory per GPU, per collector dir. @default {DEFAULT_MAX_ENTRIES} */
  maxEntries?: number;
  /** Records kept in memory per collector dir. @default {DEFAULT_MAX_MEMORY} */
  maxMemory?: number;
  /** A request refreshes the view when the last refresh is older than this (ms). @default {DEFAULT_MIN_REFRESH_MS} */
  minRefreshMs?: number;
  /** Requests need `Authorization: Bearer <token>` (except `GET /health`); unset lets all in. */
  token?: string;
  /** Serve HTTPS with this certificate. */
  tls?: TlsServerConfig;
  /** Widest telemetry query window, ms. @default {DEFAULT_MAX_WINDOW_MS} (31 days) */
  maxWindowMs?: number;
  /** Largest request body, bytes. @default {DEFAULT_MAX_BODY_BYTES} */
  maxBodyBytes?: number;
  /** Longest request URL, characters. @default {DEFAULT_MAX_URL_LENGTH} */
  maxUrlLength?: number;
  /** Where to log. */
  logger: Logger;
  /** Aborting stops serving and closes the view, as `close()` does. */
  signal?: AbortSignal;
}

/** A running api role. */
export interface ApiRole extends AsyncDisposable {
  /** What it serves from. */
  readonly view: DataDirView;
  /** Where the API listens. */
  readonly apiAddr: Deno.NetAddr;
  /** Stops serving and closes the view. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Reads the data dir once, then serves the query API.
 *
 * @throws {RangeError} when an option is out of range
 * @throws {Error} when the port cannot be bound
 *
 * @example
 * ```ts
 * await using api = await startApiRole({ dataDir: "./data", apiPort: 8081, logger });
 * ```
 */
export async function startApiRole(o: ApiRoleOptions): Promise<ApiRole> {
  const log = o.logger;
  const view = new DataDirView({
    dataDir: o.dataDir,
    maxEntries: o.maxEntries,
    maxMemory: o.maxMemory,
    minRefreshMs: o.minRefreshMs,
  });
  let lastError: string | undefined;
  const refresh = async () => {
    await view.refreshIfStale();
    if (view.lastError !== lastError) {
      lastError = view.lastError;
      if (lastError !== undefined) log.warn("refresh failed", { error: lastError });
    }
  };
  const refused = newHttpGuardCounters();
  const app = createApiApp({
    reader: () => view.reader(),
    refresh,
    stats: () => ({
      api: { data_dir: o.dataDir, collectors: view.ids(), ...view.stats() },
      http: refused,
    }),
    counters: () => ({ ...view.stats(), http_unauthorized: refused.unauthorized }),
    onInternalError: (e) => log.error("query failed", { error: String(e) }),
  }, guardedApiOptions(o, refused));
  try {
    await view.refresh();
  } catch (error) {
    log.warn("cannot read the data dir yet; will retry on each request", {
      dataDir: o.dataDir,
      error: String(error),
    });
  }
  const fields = { dataDir: o.dataDir, collectors: view.ids().length };
  const served = await ServedApi.start(o, app.fetch, fields, () => view.close());
  const close = () => served.close();
  return { view, apiAddr: served.apiAddr, close, [Symbol.asyncDispose]: close };
}

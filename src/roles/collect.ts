/**
 * The `collect` role: a {@linkcode Collector} and its query API over HTTP.
 * Starts in this order: the store opens, the API serves, the group members
 * join; stops in this one: the queued deliveries are written and acked and
 * the members leave, the API stops, the store closes.
 *
 * @module
 */
import { createApiApp } from "../api/app.ts";
import { type CollectCounters, Collector } from "../collect/collector.ts";
import type { CollectorOptions } from "../collect/collector_options.ts";
import type { CollectorStore } from "../collect/store.ts";
import { newHttpGuardCounters } from "../net/http_guard.ts";
import { serveApp, type ServedApp } from "../net/serve.ts";
import type { TlsServerConfig } from "../net/tls.ts";

export type { CollectCounters } from "../collect/collector.ts";

/** Options of {@linkcode startCollectRole}. */
export interface CollectRoleOptions extends CollectorOptions {
  /** API bind address. @default {DEFAULT_HOST} */
  host?: string;
  /** API port; 0 picks a free one. @default {DEFAULT_API_PORT} */
  apiPort?: number;
  /** Sent to the broker in HELLO, and required from API callers as a bearer token. */
  token?: string;
  /** Serve the API over HTTPS with this certificate. */
  tls?: TlsServerConfig;
  /** Widest telemetry query window, ms. @default {DEFAULT_MAX_WINDOW_MS} (31 days) */
  maxWindowMs?: number;
  /** Largest API request body, bytes. @default {DEFAULT_MAX_BODY_BYTES} */
  maxBodyBytes?: number;
  /** Longest API request URL, characters. @default {DEFAULT_MAX_URL_LENGTH} */
  maxUrlLength?: number;
  /**
   * Aborting stops the role as {@linkcode CollectRole.close} does; while it
   * is still joining, the members that have not reached the broker give up.
   * A role started on an aborted signal is closed at once.
   */
  signal?: AbortSignal;
}

/** A running collect role. */
export interface CollectRole extends AsyncDisposable {
  /** Store of received records. */
  readonly store: CollectorStore;
  /** Address the HTTP API listens on. */
  readonly apiAddr: Deno.NetAddr;
  /** Role counters. */
  readonly counters: CollectCounters;
  /** Writes and acks the deliveries already queued, leaves the group, closes. Safe twice. */
  close(): Promise<void>;
}

/**
 * Opens the store, starts the API, joins the group; stops on `o.signal`.
 *
 * @throws {StoreLockedError} when another process holds `<dataDir>/<id>`
 */
export async function startCollectRole(o: CollectRoleOptions): Promise<CollectRole> {
  const collector = await Collector.open(o);
  const { server, addr: apiAddr } = serveCollectApi(collector, o);
  const shutdown = async (closeStore: () => Promise<void>) => {
    await collector.stop();
    await server.shutdown();
    await closeStore();
  };
  try {
    await collector.join();
  } catch (err) {
    await shutdown(() => collector.store.close());
    throw err;
  }
  let closing: Promise<void> | null = null;
  const close = () => {
    o.signal?.removeEventListener("abort", onAbort);
    return closing ??= shutdown(() => collector.close());
  };
  const onAbort = () => void close();
  if (o.signal?.aborted) await close();
  else o.signal?.addEventListener("abort", onAbort, { once: true });
  return {
    store: collector.store,
    apiAddr,
    counters: collector.counters,
    close,
    [Symbol.asyncDispose]: close,
  };
}

// The query API over the collector's store, with its counters in /stats and /metrics.
function serveCollectApi(collector: Collector, o: CollectRoleOptions): ServedApp {
  const { counters, subscribers } = collector;
  const http = newHttpGuardCounters();
  const app = createApiApp({
    reader: () => collector.query,
    stats: () => ({
      collector: { id: o.id, topic: collector.topic, group: collector.group, ...counters },
      subscribers: subscribers.map((s) => ({ ...s.counters, partitions: s.assigned })),
      http,
    }),
    counters: () => {
      const out: Record<string, number> = {
        deliveries: counters.deliveries,
        nacked: counters.nacked,
        write_failures: counters.writeFailures,
        lease_expired: counters.leaseExpired,
        http_unauthorized: http.unauthorized,
      };
      for (const sub of subscribers) {
        for (const [key, value] of Object.entries(sub.counters)) {
          out[`subscriber_${key}`] = (out[`subscriber_${key}`] ?? 0) + value;
        }
      }
      return out;
    },
    onInternalError: (e) => o.logger.error("query failed", { error: String(e) }),
  }, {
    maxWindowMs: o.maxWindowMs,
    guard: {
      token: o.token,
      maxBodyBytes: o.maxBodyBytes,
      maxUrlLength: o.maxUrlLength,
      counters: http,
    },
  });
  const served = serveApp({ host: o.host, port: o.apiPort, tls: o.tls }, app.fetch);
  o.logger.info("collector storing", {
    dir: collector.store.dir,
    api: served.url,
    token: o.token ? "required" : "none",
  });
  return served;
}

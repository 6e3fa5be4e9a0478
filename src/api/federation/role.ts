/**
 * The `api` role over many collectors (`gputel api --collectors …`): the
 * same v1 API, answered by asking every collector's own API and merging
 * (see {@linkcode FederatedReader}). A request with `partial=true` gets the
 * answers of the collectors that did answer, plus a `warnings` field and a
 * `Warning` header naming the others.
 *
 * @module
 */

import type { OpenAPIHono } from "@hono/zod-openapi";
import { newHttpGuardCounters } from "../../net/http_guard.ts";
import type { TlsServerConfig } from "../../net/tls.ts";
import type { Logger } from "../../obs/log.ts";
import { PromText } from "../../obs/prometheus.ts";
import { createApiApp } from "../app.ts";
import { badParameter } from "../problem.ts";
import { guardedApiOptions, ServedApi } from "../served_api.ts";
import { CollectorSet, type CollectorsSpec, type DnsResolver } from "./collectors.ts";
import { CollectorIds } from "./collector_ids.ts";
import { FederatedReader, RequestWarnings } from "./reader.ts";
import { UpstreamClient } from "./upstream.ts";

/** Options of {@linkcode startFederatedApiRole}. */
export interface FederatedApiRoleOptions {
  /** The collectors (`--collectors`). */
  collectors: CollectorsSpec;
  /** A collector that has not answered within this many ms has failed. @default {DEFAULT_COLLECTOR_TIMEOUT_MS} */
  collectorTimeoutMs?: number;
  /** Bind address. @default {DEFAULT_HOST} */
  host?: string;
  /** Port; 0 picks a free one. @default {DEFAULT_API_PORT} */
  apiPort?: number;
  /** Required from clients and sent to collectors as `Authorization: Bearer`. */
  token?: string;
  /** Serve HTTPS with this certificate. */
  tls?: TlsServerConfig;
  /** PEM certificates to trust for collectors that serve HTTPS. */
  caCerts?: string[];
  /** Widest telemetry query window, ms. @default {DEFAULT_MAX_WINDOW_MS} (31 days) */
  maxWindowMs?: number;
  /** Largest request body, bytes. @default {DEFAULT_MAX_BODY_BYTES} */
  maxBodyBytes?: number;
  /** Longest request URL, characters. @default {DEFAULT_MAX_URL_LENGTH} */
  maxUrlLength?: number;
  /** Resolves `dns:` names (tests inject one). @default {Deno.resolveDns} */
  resolve?: DnsResolver;
  /** Where to log. */
  logger: Logger;
  /** Aborting stops serving, as `close()` does. */
  signal?: AbortSignal;
}

/** A running federated api role. */
export interface FederatedApiRole extends AsyncDisposable {
  /** Where the API listens. */
  readonly apiAddr: Deno.NetAddr;
  /** The collectors it asks now. */
  collectors(): string[];
  /** Stops serving. Safe to call twice. */
  close(): Promise<void>;
}

/** `partial` query parameter: absent or `false` → false, `true` → true. @throws {HttpProblem} 400 */
export function parsePartial(value: string | undefined): boolean {
  if (value === undefined || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw badParameter("partial", "must be true or false");
}

/**
 * The federated app: the query API whose reader asks collectors. The
 * returned `fetch` adds the `warnings` field and `Warning` header.
 */
export function createFederatedApp(o: {
  collectors: () => readonly string[];
  client: UpstreamClient;
  guard?: Parameters<typeof createApiApp>[1];
  counters?: () => Record<string, number>;
}): { app: OpenAPIHono; fetch: (request: Request) => Promise<Response> } {
  const scopes = new WeakMap<Request, RequestWarnings>();
  const ids = new CollectorIds(o.client);
  const readerOf = (c: { req: { raw: Request; query(name: string): string | undefined } }) =>
    new FederatedReader({
      client: o.client,
      ids,
      urls: o.collectors(),
      partial: parsePartial(c.req.query("partial")),
      warnings: scopes.get(c.req.raw) ?? new RequestWarnings(),
    });
  const app = createApiApp({
    reader: readerOf,
    stats: () => ({ api: { collectors: o.collectors() } }),
    metrics: (c) => {
      const own = new PromText().sample(
        "gputel_api_collectors",
        "gauge",
        "collectors the api asks",
        o.collectors().length,
      );
      for (const [key, value] of Object.entries(o.counters?.() ?? {})) {
        own.sample(`gputel_api_${key}_total`, "counter", `gputel api ${key}`, value);
      }
      return readerOf(c).metrics(own.toString());
    },
  }, o.guard);
  const fetch = async (request: Request): Promise<Response> => {
    const warnings = new RequestWarnings();
    scopes.set(request, warnings);
    const response = await app.fetch(request);
    const list = warnings.list();
    if (list.length === 0) return response;
    const headers = new Headers(response.headers);
    headers.set("warning", list.map((w) => `199 gputel "${w.replaceAll('"', "'")}"`).join(", "));
    if (!headers.get("content-type")?.startsWith("application/json")) {
      return new Response(response.body, { status: response.status, headers });
    }
    const body = { ...await response.json(), warnings: list };
    headers.delete("content-length");
    return new Response(JSON.stringify(body), { status: response.status, headers });
  };
  return { app, fetch };
}

/**
 * Resolves the collectors, then serves the federated query API.
 *
 * @throws {Error} when the port cannot be bound
 *
 * @example
 * ```ts
 * await using api = await startFederatedApiRole({
 *   collectors: parseCollectorsSpec("dns:gputel-collect:8080"),
 *   logger,
 * });
 * ```
 */
export async function startFederatedApiRole(o: FederatedApiRoleOptions): Promise<FederatedApiRole> {
  const log = o.logger;
  const set = new CollectorSet({
    spec: o.collectors,
    resolve: o.resolve,
    onResolveError: (error) => log.warn("cannot resolve the collectors", { error: String(error) }),
  });
  await set.start();
  const client = new UpstreamClient({
    timeoutMs: o.collectorTimeoutMs,
    token: o.token,
    caCerts: o.caCerts,
  });
  const refused = newHttpGuardCounters();
  const { fetch } = createFederatedApp({
    collectors: () => set.urls(),
    client,
    counters: () => ({ http_unauthorized: refused.unauthorized }),
    guard: guardedApiOptions(o, refused),
  });
  const collectors = o.collectors.kind === "dns"
    ? `dns:${o.collectors.name}:${o.collectors.port} (${set.urls().length} now)`
    : set.urls().join(",");
  const served = await ServedApi.start(o, fetch, { collectors }, async () => {
    await set.close();
    client[Symbol.dispose]();
  });
  const close = () => served.close();
  return {
    apiAddr: served.apiAddr,
    collectors: () => set.urls(),
    close,
    [Symbol.asyncDispose]: close,
  };
}

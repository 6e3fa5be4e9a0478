/**
 * A query API being served: the listener of the `api` roles (and of
 * whatever else serves an API app), with the lifecycle every role shares:
 * it logs where it serves, stops on `close()` (safe twice) or on the
 * signal, and runs its owner's clean-up once the server has stopped.
 *
 * @module
 */
import type { HttpGuardCounters } from "../net/http_guard.ts";
import { serveApp } from "../net/serve.ts";
import type { TlsServerConfig } from "../net/tls.ts";
import type { LogFields, Logger } from "../obs/log.ts";
import type { ApiOptions } from "./app.ts";

/** The limits a role gives its query API app: the query window and the HTTP guard's. */
export interface ApiLimits {
  /** Widest telemetry query window, ms. */
  maxWindowMs?: number;
  /** Required as `Authorization: Bearer <token>`, when set. */
  token?: string;
  /** Largest request body, bytes. */
  maxBodyBytes?: number;
  /** Longest request URL, characters. */
  maxUrlLength?: number;
}

/**
 * The {@linkcode ApiOptions} of a role's app: its limits, with the guard's
 * refusals counted into `counters` (for `/stats` and `/metrics`).
 */
export function guardedApiOptions(o: ApiLimits, counters: HttpGuardCounters): ApiOptions {
  return {
    maxWindowMs: o.maxWindowMs,
    guard: {
      token: o.token,
      maxBodyBytes: o.maxBodyBytes,
      maxUrlLength: o.maxUrlLength,
      counters,
    },
  };
}

/** Where and how to serve an API app. */
export interface ServedApiOptions {
  /** Bind address. @default {DEFAULT_HOST} */
  host?: string;
  /** Port; 0 picks a free one. @default {DEFAULT_API_PORT} */
  apiPort?: number;
  /** Serve HTTPS with this certificate. */
  tls?: TlsServerConfig;
  /** Whether requests need a bearer token; only said in the start line. */
  token?: string;
  /** Where the start and stop lines go. */
  logger: Logger;
  /** Aborting stops serving, as `close()` does. */
  signal?: AbortSignal;
}

/** A listening API app; {@linkcode ServedApi.start} makes one. */
export class ServedApi implements AsyncDisposable {
  /** Where the API listens (the real port when 0 was asked for). */
  readonly apiAddr: Deno.NetAddr;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #logger: Logger;
  readonly #cleanUp: () => Promise<void> | void;
  readonly #signal?: AbortSignal;
  readonly #onAbort = () => void this.close();
  #closing: Promise<void> | undefined;

  private constructor(
    server: Deno.HttpServer<Deno.NetAddr>,
    o: ServedApiOptions,
    cleanUp: () => Promise<void> | void,
  ) {
    this.#server = server;
    this.apiAddr = server.addr;
    this.#logger = o.logger;
    this.#cleanUp = cleanUp;
    this.#signal = o.signal;
  }

  /**
   * Serves `fetch`, logs `api serving` with `fields`, the URL and whether a
   * token is required. When the port cannot be bound, runs `cleanUp` and
   * rethrows.
   *
   * @param cleanUp what the owner closes once the server has stopped (its view, its clients)
   * @throws {Deno.errors.AddrInUse} when the port is taken
   */
  static async start(
    o: ServedApiOptions,
    fetch: (request: Request) => Response | Promise<Response>,
    fields: LogFields,
    cleanUp: () => Promise<void> | void,
  ): Promise<ServedApi> {
    let served;
    try {
      served = serveApp({ host: o.host, port: o.apiPort, tls: o.tls }, fetch);
    } catch (error) {
      await cleanUp();
      throw error;
    }
    const api = new ServedApi(served.server, o, cleanUp);
    o.logger.info("api serving", {
      ...fields,
      api: served.url,
      token: o.token ? "required" : "none",
    });
    if (o.signal?.aborted) await api.close();
    else o.signal?.addEventListener("abort", api.#onAbort, { once: true });
    return api;
  }

  /** Stops serving, then runs the owner's clean-up. Safe to call twice. */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      this.#signal?.removeEventListener("abort", this.#onAbort);
      await this.#server.shutdown();
      await this.#cleanUp();
      this.#logger.info("api stopped");
    })();
  }

  /** Same as {@linkcode ServedApi.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

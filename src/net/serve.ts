/**
 * Serving an HTTP app (the query API, the federated API): the one
 * `Deno.serve` call of the roles, with their shared defaults.
 *
 * @module
 */
import type { TlsServerConfig } from "./tls.ts";

/**
 * Default bind address of every gputel listener (the broker's TCP port, its
 * admin API, the query API): loopback only, so nothing is reachable from
 * another machine until `--host` says so.
 */
export const DEFAULT_HOST = "127.0.0.1";
/** Default port of an HTTP API. */
export const DEFAULT_API_PORT = 8080;

/** Where and how to serve. */
export interface ServeOptions {
  /** Bind address. @default {DEFAULT_HOST} */
  host?: string;
  /** Port; 0 picks a free one. @default {DEFAULT_API_PORT} */
  port?: number;
  /** Serve HTTPS with this certificate; plain HTTP without. */
  tls?: TlsServerConfig;
}

/** A listening HTTP server. */
export interface ServedApp {
  /** The server; `shutdown()` stops it. */
  readonly server: Deno.HttpServer<Deno.NetAddr>;
  /** The address it got (the real port when 0 was asked for). */
  readonly addr: Deno.NetAddr;
  /** Its base URL, `http(s)://host:port`, for logs. */
  readonly url: string;
}

/**
 * Serves `fetch` and returns once it listens.
 *
 * @throws {Deno.errors.AddrInUse} when the port is taken
 */
export function serveApp(
  options: ServeOptions,
  fetch: (request: Request) => Response | Promise<Response>,
): ServedApp {
  const server = Deno.serve({
    hostname: options.host ?? DEFAULT_HOST,
    port: options.port ?? DEFAULT_API_PORT,
    ...options.tls,
    onListen: () => {},
  }, fetch);
  const addr = server.addr;
  const url = `${options.tls ? "https" : "http"}://${addr.hostname}:${addr.port}`;
  return { server, addr, url };
}

/**
 * The `broker` role: the TCP server plus its admin HTTP API.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { createAdminApp } from "./admin.ts";
import { type BrokerServer, type BrokerServerOptions, startBrokerServer } from "./server.ts";

/** Options of {@linkcode startBrokerRole}. */
export interface BrokerRoleOptions extends BrokerServerOptions {
  /** Admin HTTP port; 0 picks a free one. @default {9090} */
  adminPort?: number;
  logger: Logger;
}

/** A running broker role. */
export interface BrokerRole extends AsyncDisposable {
  readonly server: BrokerServer;
  /** The admin HTTP address. */
  readonly adminAddr: Deno.NetAddr;
  /** Stops the admin API and the server. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts the broker and its admin API. */
export async function startBrokerRole(options: BrokerRoleOptions): Promise<BrokerRole> {
  const log = options.logger;
  const server = await startBrokerServer(options);
  const app = createAdminApp(server);
  const http = Deno.serve({
    hostname: options.host ?? "127.0.0.1",
    port: options.adminPort ?? 9090,
    onListen: () => {},
  }, app.fetch);
  const adminAddr = http.addr as Deno.NetAddr;
  log.info("broker listening", {
    tcp: `${server.addr.hostname}:${server.addr.port}`,
    admin: `http://${adminAddr.hostname}:${adminAddr.port}`,
    partitions: server.core.options.partitions,
  });
  let closing: Promise<void> | null = null;
  const close = () =>
    closing ??= (async () => {
      await http.shutdown();
      await server.close();
    })();
  return { server, adminAddr, close, [Symbol.asyncDispose]: close };
}

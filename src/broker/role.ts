/**
 * The `broker` role: the TCP server plus its admin HTTP API.
 *
 * @module
 */
import { join } from "node:path";
import { DEFAULT_HOST } from "../net/serve.ts";
import type { Logger } from "../obs/log.ts";
import { rateLimitedLogger } from "../obs/rate_limited_log.ts";
import { createAdminApp } from "./admin.ts";
import { type BrokerServer, type BrokerServerOptions, startBrokerServer } from "./server.ts";
import { DEFAULT_ADMIN_PORT } from "./server_options.ts";
import { BrokerStorage, type FsyncPolicy } from "./store/storage.ts";

/** Options of {@linkcode startBrokerRole}. */
export interface BrokerRoleOptions extends Omit<BrokerServerOptions, "storage"> {
  /** Admin HTTP port; 0 picks a free one. @default {DEFAULT_ADMIN_PORT} */
  adminPort?: number;
  /** Persist the log under `<dataDir>/broker`; undefined keeps it in memory only. */
  dataDir?: string;
  /** When the data dir is fsynced. @default {DEFAULT_FSYNC} */
  fsync?: FsyncPolicy;
  /** Interval of the "interval" fsync policy, ms. @default {DEFAULT_FSYNC_INTERVAL_MS} */
  fsyncIntervalMs?: number;
  /** Size at which a log segment is rolled. @default {DEFAULT_SEGMENT_BYTES} */
  segmentBytes?: number;
  /** Most log files kept open at once. @default {DEFAULT_MAX_OPEN_FILES} */
  maxOpenFiles?: number;
  /** Accept a new identity or restarted groups when that metadata is lost. @default {false} */
  repairMetadata?: boolean;
  /** Largest admin request body, bytes. @default {DEFAULT_MAX_BODY_BYTES} */
  maxBodyBytes?: number;
  /** Longest admin request URL, characters. @default {DEFAULT_MAX_URL_LENGTH} */
  maxUrlLength?: number;
  /** Where the role logs. */
  logger: Logger;
  /**
   * Aborting stops the role as {@linkcode BrokerRole.close} does: the admin
   * API, then the server (group offsets saved), then the log's files
   * (closed cleanly). A role started on an aborted signal is closed at once.
   */
  signal?: AbortSignal;
}

/** A running broker role. */
export interface BrokerRole extends AsyncDisposable {
  /** Running broker server. */
  readonly server: BrokerServer;
  /** The admin HTTP address. */
  readonly adminAddr: Deno.NetAddr;
  /** Stops the admin API and the server. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the broker and its admin API; stops them on `options.signal`.
 *
 * @throws {Deno.errors.AddrInUse} when a port is taken
 * @throws {RangeError} on a bad option
 */
export async function startBrokerRole(options: BrokerRoleOptions): Promise<BrokerRole> {
  const { signal, ...serverOptions } = options;
  const log = rateLimitedLogger(options.logger);
  const storage = options.dataDir === undefined ? undefined : await BrokerStorage.open({
    dir: join(options.dataDir, "broker"),
    fsync: options.fsync,
    fsyncIntervalMs: options.fsyncIntervalMs,
    segmentBytes: options.segmentBytes,
    maxOpenFiles: options.maxOpenFiles,
    repairMetadata: options.repairMetadata,
    logger: log,
  });
  let server: BrokerServer;
  let http: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = await startBrokerServer({ ...serverOptions, logger: log, storage });
  } catch (err) {
    await storage?.close();
    throw err;
  }
  try {
    const app = createAdminApp(server, {
      token: options.token,
      maxBodyBytes: options.maxBodyBytes,
      maxUrlLength: options.maxUrlLength,
    });
    http = Deno.serve({
      hostname: options.host ?? DEFAULT_HOST,
      port: options.adminPort ?? DEFAULT_ADMIN_PORT,
      ...options.tls,
      onListen: () => {},
    }, app.fetch);
  } catch (err) {
    await server.close();
    await storage?.close();
    throw err;
  }
  const adminAddr = http.addr as Deno.NetAddr;
  log.info("broker listening", {
    tcp: `${server.addr.hostname}:${server.addr.port}${options.tls ? " (TLS)" : ""}`,
    admin: `${options.tls ? "https" : "http"}://${adminAddr.hostname}:${adminAddr.port}`,
    token: options.token ? "required" : "none",
    partitions: server.core.options.partitions,
    log: storage ? `${storage.dir} (fsync ${storage.policy})` : "memory only",
  });
  let closing: Promise<void> | null = null;
  const onAbort = () => void close();
  const close = () =>
    closing ??= (async () => {
      signal?.removeEventListener("abort", onAbort);
      await http.shutdown();
      await server.close();
      await storage?.close();
    })();
  if (signal?.aborted) await close();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return { server, adminAddr, close, [Symbol.asyncDispose]: close };
}

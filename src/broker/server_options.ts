/**
 * Options of the broker's TCP server, their defaults, and the one resolver
 * that checks the connection limits.
 *
 * @module
 */
import type { TimerClock } from "../clock.ts";
import type { TlsServerConfig } from "../net/tls.ts";
import type { Logger } from "../obs/log.ts";
import { DEFAULT_TOPIC } from "../record/topic.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "../protocol/frame.ts";
import type { BrokerCoreOptions } from "./core_options.ts";
import type { RetentionOptions } from "./log_store.ts";
import type { BrokerStorage } from "./store/storage.ts";

/** Default {@linkcode BrokerServerOptions.maxConnections}. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Default {@linkcode BrokerServerOptions.maxSubscriptionsPerConnection}. */
export const DEFAULT_MAX_SUBSCRIPTIONS = 64;
/** Default {@linkcode BrokerServerOptions.maxBatchMessages}. */
export const DEFAULT_MAX_BATCH_MESSAGES = 100_000;
/** Default {@linkcode BrokerServerOptions.topics}: what stream and collect use by default. */
export const DEFAULT_TOPICS: readonly string[] = [DEFAULT_TOPIC];
/** Default {@linkcode BrokerServerOptions.sessionTimeoutMs}. */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
/** Default {@linkcode BrokerServerOptions.port}: the broker's client port. */
export const DEFAULT_PORT = 9000;
/** Default port of the broker role's admin HTTP API (`/health`, `/stats`, `/metrics`). */
export const DEFAULT_ADMIN_PORT = 9090;
/** Default {@linkcode RetentionOptions.retentionMs}: keep segments until consumed. */
export const DEFAULT_RETENTION_MS = 0;
/** Default {@linkcode RetentionOptions.retentionBytes}: no size limit per partition. */
export const DEFAULT_RETENTION_BYTES = 0;

/** Options of `startBrokerServer`. */
export interface BrokerServerOptions
  extends Omit<BrokerCoreOptions, "clock">, Partial<RetentionOptions> {
  /** Address to bind. @default {DEFAULT_HOST} */
  host?: string;
  /** Port to bind; 0 picks a free one. @default {DEFAULT_PORT} */
  port?: number;
  /** Largest frame accepted, bytes. @default {DEFAULT_MAX_FRAME_BYTES} */
  maxFrameBytes?: number;
  /** A connection silent this long is closed and its subscriptions released, ms. @default {DEFAULT_SESSION_TIMEOUT_MS} */
  sessionTimeoutMs?: number;
  /** Most subscriptions on one connection. @default {DEFAULT_MAX_SUBSCRIPTIONS} */
  maxSubscriptionsPerConnection?: number;
  /** Most open client connections; one more is answered ERROR LIMIT and closed. @default {DEFAULT_MAX_CONNECTIONS} */
  maxConnections?: number;
  /** Most messages in one PUBLISH; a larger batch is answered ERROR LIMIT. @default {DEFAULT_MAX_BATCH_MESSAGES} */
  maxBatchMessages?: number;
  /** Topics created at start (clients may create more, within `maxTopics`). @default {DEFAULT_TOPICS} */
  topics?: readonly string[];
  /** Clients must send this in HELLO; unset or empty lets every client in. */
  token?: string;
  /** Serve TLS with this certificate instead of plain TCP. */
  tls?: TlsServerConfig;
  /** The durable log; without it the broker keeps messages in memory only. */
  storage?: BrokerStorage;
  /**
   * Time source and timers of the ticker (ack and session timeouts, group
   * offset saves, retention); a `ManualClock` drives them in tests.
   * @default {systemClock}
   */
  clock?: TimerClock;
  /** Where the server logs. */
  logger?: Logger;
  /** Aborting closes the server. */
  signal?: AbortSignal;
}

/** The connection limits of a server, resolved. */
export interface ServerLimits {
  /** Largest frame accepted, bytes. */
  maxFrameBytes: number;
  /** Silence after which a connection is closed, ms. */
  sessionTimeoutMs: number;
  /** Most subscriptions per connection. */
  maxSubscriptions: number;
  /** Most open connections. */
  maxConnections: number;
  /** Most messages in one PUBLISH. */
  maxBatchMessages: number;
}

/**
 * Fills in the connection limits' defaults and checks them.
 *
 * @throws {RangeError} naming the field that is not a positive integer
 */
export function resolveServerLimits(o: BrokerServerOptions): ServerLimits {
  const fields = {
    maxFrameBytes: o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    sessionTimeoutMs: o.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
    maxSubscriptionsPerConnection: o.maxSubscriptionsPerConnection ?? DEFAULT_MAX_SUBSCRIPTIONS,
    maxConnections: o.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxBatchMessages: o.maxBatchMessages ?? DEFAULT_MAX_BATCH_MESSAGES,
  };
  for (const [field, v] of Object.entries(fields)) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(`startBrokerServer: ${field} must be a positive integer, got ${v}`);
    }
  }
  return {
    maxFrameBytes: fields.maxFrameBytes,
    sessionTimeoutMs: fields.sessionTimeoutMs,
    maxSubscriptions: fields.maxSubscriptionsPerConnection,
    maxConnections: fields.maxConnections,
    maxBatchMessages: fields.maxBatchMessages,
  };
}

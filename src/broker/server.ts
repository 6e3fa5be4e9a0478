/**
 * The broker's TCP server: accepts connections ({@linkcode acceptLoop}),
 * feeds their frames to {@linkcode BrokerCore} ({@linkcode Connections},
 * `frame_handler.ts`), carries out what the core decides
 * ({@linkcode Dispatcher}: deliveries, assignments, dead letters) and keeps
 * time ({@linkcode BrokerTicker}). A publish to a topic at its memory bound
 * stops reading from that connection until there is room (TCP backpressure,
 * no drop).
 *
 * @module
 */
import { systemClock, type TimerClock } from "../clock.ts";
import type { Logger } from "../obs/log.ts";
import { silentLogger } from "../obs/log.ts";
import { rateLimitedLogger } from "../obs/rate_limited_log.ts";
import { DEFAULT_HOST } from "../net/serve.ts";
import { TokenCheck } from "../net/token.ts";
import { acceptLoop, connectionLimit, openFileLimit } from "./accept_loop.ts";
import { Connections } from "./connections.ts";
import { BrokerCore } from "./core.ts";
import { Dispatcher } from "./dispatcher.ts";
import { DurableLog } from "./durable_log.ts";
import { logStoreOn } from "./file_log_store.ts";
import type { BrokerStorage } from "./store/storage.ts";
import type { BrokerContext } from "./frame_handler.ts";
import { type ServerCounters, zeroServerCounters } from "./server_counters.ts";
import {
  type BrokerServerOptions,
  DEFAULT_PORT,
  DEFAULT_RETENTION_BYTES,
  DEFAULT_RETENTION_MS,
  DEFAULT_TOPICS,
  resolveServerLimits,
  type ServerLimits,
} from "./server_options.ts";
import { BrokerTicker } from "./ticker.ts";

export type { BrokerServerOptions } from "./server_options.ts";
export type { ServerCounters } from "./server_counters.ts";

/**
 * A running broker server. Start one with {@linkcode BrokerServer.start}
 * (or {@linkcode startBrokerServer}); `close()`, the options' `signal` or
 * `await using` stop it.
 *
 * @example
 * ```ts
 * await using broker = await BrokerServer.start({ port: 0 });
 * console.log(broker.addr.port);
 * ```
 */
export class BrokerServer implements AsyncDisposable {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  /** In-memory topics and groups. */
  readonly core: BrokerCore;
  /** Log of published batches. */
  readonly log: DurableLog;
  /** The files under the log (for their counters in /stats); undefined in memory. */
  readonly storage: BrokerStorage | undefined;
  /** Connection and request counters. */
  readonly counters: ServerCounters;
  /** The ticker (ack and session timeouts, offset saves, retention). */
  readonly ticker: BrokerTicker;
  #listener: Deno.Listener;
  #connections: Connections;
  #dispatcher: Dispatcher;
  #logger: Logger;
  #accepting: Promise<void>;
  #closing: Promise<void> | undefined;

  private constructor(
    options: BrokerServerOptions,
    limits: ServerLimits,
    log: DurableLog,
    logger: Logger,
  ) {
    const clock: TimerClock = options.clock ?? systemClock;
    const core = log.core;
    this.core = core;
    this.log = log;
    this.storage = options.storage;
    this.#logger = logger;
    this.counters = zeroServerCounters();
    this.#dispatcher = new Dispatcher(core, this.log, logger);
    const ctx: BrokerContext = {
      core,
      log: this.log,
      clock,
      logger,
      serverId: log.store.id,
      maxSubscriptions: limits.maxSubscriptions,
      sessionTimeoutMs: limits.sessionTimeoutMs,
      maxBatchMessages: limits.maxBatchMessages,
      token: options.token ? new TokenCheck(options.token) : undefined,
      members: this.#dispatcher.members,
      counters: this.counters,
      schedulePump: () => this.#dispatcher.schedulePump(),
      waitForRoom: (topic) => this.#dispatcher.waitForRoom(topic),
    };
    this.#connections = new Connections(ctx, limits);
    const retention = {
      retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
      retentionBytes: options.retentionBytes ?? DEFAULT_RETENTION_BYTES,
    };
    this.ticker = new BrokerTicker(clock, {
      core,
      sessions: this.#connections.sessions,
      sessionTimeoutMs: limits.sessionTimeoutMs,
      onSessionTimeout: () => this.counters.sessionTimeouts++,
      schedulePump: ctx.schedulePump,
      saveState: () => this.#saveState(),
      applyRetention: () => this.log.applyRetention(retention),
      logger,
    });
    const bind = { hostname: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT };
    this.#listener = options.tls
      ? Deno.listenTls({ ...bind, cert: options.tls.cert, key: options.tls.key })
      : Deno.listen(bind);
    this.addr = this.#listener.addr as Deno.NetAddr;
    this.#accepting = acceptLoop(
      this.#listener,
      (conn) =>
        this.#connections.serve(conn).catch((err) =>
          logger.error("connection failed", { error: String(err) })
        ),
      logger,
      () => this.#closing !== undefined,
      () => this.counters.acceptErrors++,
    );
    options.signal?.addEventListener("abort", () => void this.close(), { once: true });
  }

  /**
   * Restores what the storage holds (log, group offsets, ownership), binds
   * and starts serving.
   *
   * @throws {RangeError} on a bad option
   * @throws {Deno.errors.AddrInUse} when the port is taken
   */
  static async start(options: BrokerServerOptions = {}): Promise<BrokerServer> {
    const logger = rateLimitedLogger(options.logger ?? silentLogger);
    const limits = resolveServerLimits(options);
    const store = logStoreOn(options.storage, logger);
    lowerConnectionLimit(limits, store.maxOpenFiles, logger);
    const core = new BrokerCore({
      ...options,
      rejoinGraceMs: options.rejoinGraceMs ?? limits.sessionTimeoutMs,
      clock: options.clock ?? systemClock,
    });
    const log = new DurableLog(core, store);
    for (const name of options.topics ?? DEFAULT_TOPICS) {
      core.topic(name);
      log.prepare(name);
    }
    await log.restoreOwnership();
    if (options.signal?.aborted) throw options.signal.reason;
    return new BrokerServer(options, limits, log, logger);
  }

  /** Stops accepting, closes every connection, saves group offsets. Safe to call twice. */
  close(): Promise<void> {
    return this.#closing ??= this.#close();
  }

  /** Closes the server, as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.ticker.stop();
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    this.#connections.closeAll();
    this.#dispatcher.releaseWaiters();
    await this.#accepting;
    await this.#connections.settled();
    await this.#saveState();
  }

  /** Saves group offsets and ownership; a failure is logged, never thrown. */
  #saveState(): Promise<unknown> {
    return Promise.all([this.log.saveGroups(), this.log.saveOwnership()]).catch((e) =>
      this.#logger.error("could not save group offsets", { error: String(e) })
    );
  }
}

/**
 * Starts the broker's TCP server: {@linkcode BrokerServer.start}.
 *
 * @example
 * ```ts
 * const broker = await startBrokerServer({ port: 0 });
 * console.log(broker.addr.port);
 * await broker.close();
 * ```
 */
export function startBrokerServer(options: BrokerServerOptions = {}): Promise<BrokerServer> {
  return BrokerServer.start(options);
}

/** Lowers `limits.maxConnections` so that connections leave the log its descriptors. */
function lowerConnectionLimit(limits: ServerLimits, logFiles: number, logger: Logger): void {
  const fileLimit = openFileLimit();
  const max = connectionLimit(limits.maxConnections, logFiles, fileLimit);
  if (max >= limits.maxConnections) return;
  logger.warn("connection limit lowered to leave the log its files", {
    maxConnections: limits.maxConnections,
    now: max,
    openFileLimit: fileLimit,
    logFiles,
  });
  limits.maxConnections = max;
}

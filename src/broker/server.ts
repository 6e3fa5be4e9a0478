/**
 * The broker's TCP edge: accepts connections, feeds frames to
 * {@linkcode BrokerCore} through {@linkcode handleFrame}, and carries out
 * what the core decides (deliveries, assignments, dead letters). A publish to
 * a topic at its memory bound stops reading from that connection until there
 * is room (TCP backpressure, no drop).
 *
 * @module
 */
import { systemClock } from "../clock.ts";
import { FrameConnection } from "../net/frame_connection.ts";
import { silentLogger } from "../obs/log.ts";
import { rateLimitedLogger } from "../obs/rate_limited_log.ts";
import {
  encodeFrame,
  encodeHead,
  ErrorCode,
  FrameTooLargeError,
  FrameType,
  sliceBatch,
} from "../protocol/mod.ts";
import { TokenCheck } from "../net/token.ts";
import { acceptLoop, connectionLimit, openFileLimit } from "./accept_loop.ts";
import { BrokerCore, LimitError, type Output } from "./core.ts";
import { DurableLog, type RetentionOptions } from "./durable_log.ts";
import { type BrokerContext, handleFrame, sendError } from "./frame_handler.ts";
import { OwnershipWriter, restoreOwnership } from "./ownership_file.ts";
import { type BrokerServerOptions, DEFAULT_TOPICS, resolveServerLimits } from "./server_options.ts";
import { Session } from "./session.ts";

export type { BrokerServerOptions } from "./server_options.ts";

/** Connection counters of the server. */
export interface ServerCounters {
  /** Connections accepted since start. */
  connectionsAccepted: number;
  /** Connections open now. */
  connectionsOpen: number;
  /** Connections closed for a malformed frame. */
  protocolErrors: number;
  /** Connections closed for silence. */
  sessionTimeouts: number;
  /** Requests answered with ERROR. */
  requestErrors: number;
  /** Requests that failed in storage. */
  storageErrors: number;
  /** HELLOs without the right token. */
  unauthorized: number;
  /** Connections refused at the `maxConnections` limit. */
  connectionsRefused: number;
  /** Requests refused at a limit (topics, partitions): ERROR LIMIT. */
  limitRefusals: number;
  /** `accept` calls that failed (out of descriptors…); the server backs off. */
  acceptErrors: number;
}

/** A running broker server. */
export interface BrokerServer extends AsyncDisposable {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  /** In-memory topics and groups. */
  readonly core: BrokerCore;
  /** Log of published batches. */
  readonly log: DurableLog;
  /** Connection and request counters. */
  readonly counters: ServerCounters;
  /** Stops accepting, closes every connection, saves group offsets. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the broker's TCP server.
 *
 * @example
 * ```ts
 * const broker = await startBrokerServer({ port: 0 });
 * console.log(broker.addr.port);
 * await broker.close();
 * ```
 */
export async function startBrokerServer(
  options: BrokerServerOptions = {},
): Promise<BrokerServer> {
  const clock = options.clock ?? systemClock;
  const logger = rateLimitedLogger(options.logger ?? silentLogger);
  const limits = resolveServerLimits(options);
  const fileLimit = openFileLimit();
  const maxConnections = connectionLimit(
    limits.maxConnections,
    options.storage?.maxOpenFiles ?? 0,
    fileLimit,
  );
  if (maxConnections < limits.maxConnections) {
    logger.warn("connection limit lowered to leave the log its files", {
      maxConnections: limits.maxConnections,
      now: maxConnections,
      openFileLimit: fileLimit,
      logFiles: options.storage?.maxOpenFiles,
    });
    limits.maxConnections = maxConnections;
  }
  const sessionTimeoutMs = limits.sessionTimeoutMs;
  const core = new BrokerCore({
    ...options,
    rejoinGraceMs: options.rejoinGraceMs ?? sessionTimeoutMs,
    clock,
  });
  const log = new DurableLog(core, options.storage, logger);
  for (const name of options.topics ?? DEFAULT_TOPICS) {
    core.topic(name);
    log.prepare(name);
  }
  const ownership = options.storage ? new OwnershipWriter(options.storage.dir) : undefined;
  if (options.storage && await restoreOwnership(options.storage.dir, core) === "unreadable") {
    logger.warn("ownership.json unreadable: partitions are assigned afresh (no data is affected)");
  }
  const saveState = () =>
    Promise.all([log.saveGroups(), ownership?.save(core)]).catch((e) =>
      logger.error("could not save group offsets", { error: String(e) })
    );
  const retention: RetentionOptions = {
    retentionMs: options.retentionMs ?? 0,
    retentionBytes: options.retentionBytes ?? 0,
  };
  const bind = { hostname: options.host ?? "127.0.0.1", port: options.port ?? 9000 };
  const listener: Deno.Listener = options.tls
    ? Deno.listenTls({ ...bind, cert: options.tls.cert, key: options.tls.key })
    : Deno.listen(bind);
  const sessions = new Map<number, Session>();
  const counters: ServerCounters = {
    connectionsAccepted: 0,
    connectionsOpen: 0,
    protocolErrors: 0,
    sessionTimeouts: 0,
    requestErrors: 0,
    storageErrors: 0,
    unauthorized: 0,
    connectionsRefused: 0,
    limitRefusals: 0,
    acceptErrors: 0,
  };
  const roomWaiters: { topic: string; resolve: () => void }[] = [];
  let nextId = 1;
  let pumpQueued = false;
  let closed = false;

  const ctx: BrokerContext = {
    core,
    log,
    clock,
    logger,
    serverId: options.storage?.id ?? `mem-${crypto.randomUUID()}`,
    maxSubscriptions: limits.maxSubscriptions,
    sessionTimeoutMs,
    maxBatchMessages: limits.maxBatchMessages,
    token: options.token ? new TokenCheck(options.token) : undefined,
    members: new Map(),
    counters,
    schedulePump: () => {
      if (pumpQueued) return;
      pumpQueued = true;
      queueMicrotask(pump);
    },
    waitForRoom: (topic) =>
      new Promise<void>((resolve) => {
        roomWaiters.push({ topic, resolve });
        ctx.schedulePump();
      }),
  };

  function pump(): void {
    pumpQueued = false;
    for (const o of core.pump()) dispatch(o);
    for (let i = roomWaiters.length - 1; i >= 0; i--) {
      if (core.hasRoom(roomWaiters[i].topic)) roomWaiters.splice(i, 1)[0].resolve();
    }
  }

  function dispatch(o: Output): void {
    if (o.kind === "deadletter") {
      void deadLetter(o);
      return;
    }
    const m = ctx.members.get(o.memberId);
    if (!m) return;
    if (o.kind === "assign") {
      m.session.fc.send(
        encodeFrame({
          type: FrameType.ASSIGN,
          subscriptionId: m.subscriptionId,
          partitions: o.partitions,
        }),
      );
      return;
    }
    const leaseAnchor = m.session.lastPing; // read before the send: the lease starts no later
    const frame = (blob: Uint8Array | undefined): Uint8Array[] | undefined => {
      if (!blob) {
        core.discard(o.memberId, o.partition, o.start, o.end); // corrupt on disk: counted, skipped
        ctx.schedulePump();
        return undefined;
      }
      const head = encodeHead({
        type: FrameType.DELIVER,
        subscriptionId: m.subscriptionId,
        partition: o.partition,
        generation: o.generation,
        leaseAnchor,
        baseOffset: o.batch.baseOffset,
        from: o.start - o.batch.baseOffset,
        to: o.end - o.batch.baseOffset,
        attempt: o.attempt,
        count: o.batch.count,
        batch: blob,
      });
      return [head, blob];
    };
    m.session.sendOrdered(() => {
      const blob = log.readBlob(o.batch);
      return blob instanceof Promise ? blob.then(frame) : frame(blob);
    });
  }

  async function deadLetter(o: Extract<Output, { kind: "deadletter" }>): Promise<void> {
    try {
      const blob = await log.readBlob(o.batch);
      if (!blob) return;
      const base = o.batch.baseOffset;
      const slice = sliceBatch(blob, o.batch.count, o.start - base, o.end - base);
      await log.append(`${o.topic}.dlq`, 0, slice, o.end - o.start);
    } catch (err) {
      logger.error("could not write a dead letter", { topic: o.topic, error: String(err) });
    }
  }

  let ticks = 0;
  const timer = setInterval(() => {
    core.tick();
    const now = clock.now();
    for (const s of sessions.values()) {
      if (!s.parked && now - s.lastSeen > sessionTimeoutMs) {
        counters.sessionTimeouts++;
        logger.warn("closing silent connection", { conn: s.id, silentMs: now - s.lastSeen });
        s.fc.close();
      }
    }
    ctx.schedulePump();
    if (++ticks % 4 === 0) {
      void saveState();
    }
    if (ticks % 40 === 0) {
      log.applyRetention(retention).catch((e) =>
        logger.error("retention failed", { error: String(e) })
      );
    }
  }, Math.min(250, Math.max(10, Math.floor(core.options.ackTimeoutMs / 4))));

  async function serve(conn: Deno.Conn): Promise<void> {
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true); // replies go out at once
    const fc = new FrameConnection(conn, { maxFrameBytes: limits.maxFrameBytes });
    if (sessions.size >= limits.maxConnections) {
      counters.connectionsRefused++;
      logger.warn("refusing a connection: at the connection limit", { max: limits.maxConnections });
      const message = `too many connections: this broker takes at most ${limits.maxConnections}`;
      fc.send(
        encodeFrame({ type: FrameType.ERROR, correlationId: 0, code: ErrorCode.LIMIT, message }),
      );
      await Promise.race([fc.drain().catch(() => {}), new Promise((r) => setTimeout(r, 200))]);
      fc.close();
      return;
    }
    const s = new Session(nextId++, fc, clock.now());
    sessions.set(s.id, s);
    counters.connectionsAccepted++;
    counters.connectionsOpen++;
    try {
      for await (const f of s.fc.frames()) {
        s.lastSeen = clock.now();
        try {
          await handleFrame(ctx, s, f);
          if (s.fc.closed) break; // refused (token, version): nothing more is read
        } catch (err) {
          if (!(err instanceof RangeError) && !(err instanceof LimitError)) throw err;
          counters.requestErrors++;
          const corr = "correlationId" in f
            ? f.correlationId
            : "subscriptionId" in f
            ? f.subscriptionId
            : 0;
          if (err instanceof LimitError) {
            counters.limitRefusals++;
            logger.warn("refused a request at a limit", { error: err.message });
          }
          const code = err instanceof LimitError ? ErrorCode.LIMIT : ErrorCode.BAD_REQUEST;
          sendError(s, corr, code, err.message);
        }
      }
    } catch (err) {
      counters.protocolErrors++;
      const code = err instanceof FrameTooLargeError
        ? ErrorCode.FRAME_TOO_LARGE
        : ErrorCode.BAD_FRAME;
      logger.warn("closing connection after a protocol error", {
        conn: s.id,
        error: (err as Error).message,
      });
      sendError(s, 0, code, (err as Error).message);
      await Promise.race([s.fc.drain().catch(() => {}), new Promise((r) => setTimeout(r, 200))]);
    } finally {
      s.fc.close();
      sessions.delete(s.id);
      counters.connectionsOpen--;
      for (const memberId of s.subs.values()) {
        ctx.members.delete(memberId);
        core.unsubscribe(memberId);
      }
      ctx.schedulePump();
    }
  }

  const accepting = acceptLoop(
    listener,
    (conn) => serve(conn).catch((err) => logger.error("connection failed", { error: String(err) })),
    logger,
    () => closed,
    () => counters.acceptErrors++,
  );

  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    try {
      listener.close();
    } catch {
      // already closed
    }
    for (const s of sessions.values()) s.fc.close();
    for (const w of roomWaiters.splice(0)) w.resolve();
    await accepting;
    await Promise.all([...sessions.values()].flatMap((s) => [...s.publishing]));
    await saveState();
  };
  options.signal?.addEventListener("abort", () => void close(), { once: true });

  return {
    addr: listener.addr as Deno.NetAddr,
    core,
    log,
    counters,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * The broker's TCP edge: accepts connections, feeds frames to
 * {@linkcode BrokerCore}, and writes what it decides. One connection's frames
 * are handled in order; a publish to a topic at its memory bound stops reading
 * from that connection until there is room (TCP backpressure, no drop).
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";
import { FrameConnection } from "../net/frame_connection.ts";
import { type Logger, silentLogger } from "../obs/log.ts";
import {
  encodeFrame,
  encodeHead,
  ErrorCode,
  type Frame,
  FrameTooLargeError,
  FrameType,
  frameTypeName,
  PROTOCOL_VERSION,
  ProtocolError,
  validateBatch,
} from "../protocol/mod.ts";
import { BrokerCore, type BrokerCoreOptions, type Output } from "./core.ts";

/** Options of {@linkcode startBrokerServer}. */
export interface BrokerServerOptions extends Omit<BrokerCoreOptions, "clock"> {
  /** Address to bind. @default {"127.0.0.1"} */
  host?: string;
  /** Port to bind; 0 picks a free one. @default {9000} */
  port?: number;
  /** Largest frame accepted, bytes. @default {16777216} */
  maxFrameBytes?: number;
  /** A connection silent this long is closed and its subscriptions released, ms. @default {10000} */
  sessionTimeoutMs?: number;
  /** Most subscriptions on one connection. @default {64} */
  maxSubscriptionsPerConnection?: number;
  /** Time source. @default {systemClock} */
  clock?: Clock;
  logger?: Logger;
  /** Aborting closes the server. */
  signal?: AbortSignal;
}

/** Connection counters of the server. */
export interface ServerCounters {
  connectionsAccepted: number;
  connectionsOpen: number;
  protocolErrors: number;
  sessionTimeouts: number;
  requestErrors: number;
}

/** A running broker server. */
export interface BrokerServer extends AsyncDisposable {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  readonly core: BrokerCore;
  readonly counters: ServerCounters;
  /** Stops accepting, closes every connection. Safe to call twice. */
  close(): Promise<void>;
}

interface Session {
  id: number;
  fc: FrameConnection;
  hello: boolean;
  lastSeen: number;
  /** Waiting for room to publish: not silent, just held back. */
  parked: boolean;
  subs: Map<number, string>; // subscriptionId -> memberId
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
export function startBrokerServer(options: BrokerServerOptions = {}): Promise<BrokerServer> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const core = new BrokerCore({ ...options, clock });
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
  const maxSubs = options.maxSubscriptionsPerConnection ?? 64;
  const listener = Deno.listen({
    hostname: options.host ?? "127.0.0.1",
    port: options.port ?? 9000,
  });
  const sessions = new Map<number, Session>();
  const members = new Map<string, { session: Session; subscriptionId: number }>();
  const counters: ServerCounters = {
    connectionsAccepted: 0,
    connectionsOpen: 0,
    protocolErrors: 0,
    sessionTimeouts: 0,
    requestErrors: 0,
  };
  const roomWaiters: { topic: string; resolve: () => void }[] = [];
  let nextId = 1;
  let pumpQueued = false;
  let closed = false;

  const dispatch = (outs: Output[]) => {
    for (const o of outs) {
      const m = members.get(o.memberId);
      if (!m) continue;
      if (o.kind === "assign") {
        m.session.fc.send(encodeFrame({
          type: FrameType.ASSIGN,
          subscriptionId: m.subscriptionId,
          partitions: o.partitions,
        }));
        continue;
      }
      const head = encodeHead({
        type: FrameType.DELIVER,
        subscriptionId: m.subscriptionId,
        partition: o.partition,
        baseOffset: o.batch.baseOffset,
        from: o.start - o.batch.baseOffset,
        to: o.end - o.batch.baseOffset,
        attempt: o.attempt,
        count: o.batch.count,
        batch: o.batch.blob,
      });
      m.session.fc.send(head, o.batch.blob);
    }
  };

  const pump = () => {
    pumpQueued = false;
    dispatch(core.pump());
    for (let i = roomWaiters.length - 1; i >= 0; i--) {
      if (core.hasRoom(roomWaiters[i].topic)) roomWaiters.splice(i, 1)[0].resolve();
    }
  };
  const schedulePump = () => {
    if (pumpQueued) return;
    pumpQueued = true;
    queueMicrotask(pump);
  };

  const timer = setInterval(() => {
    core.tick();
    const now = clock.now();
    for (const s of sessions.values()) {
      if (!s.parked && now - s.lastSeen > sessionTimeoutMs) {
        counters.sessionTimeouts++;
        log.warn("closing silent connection", { conn: s.id, silentMs: now - s.lastSeen });
        s.fc.close();
      }
    }
    schedulePump();
  }, Math.min(1000, Math.max(10, Math.floor(core.options.ackTimeoutMs / 4))));

  const sendError = (s: Session, correlationId: number, code: number, message: string) =>
    s.fc.send(encodeFrame({ type: FrameType.ERROR, correlationId, code, message }));

  const waitForRoom = (topic: string) =>
    new Promise<void>((resolve) => {
      roomWaiters.push({ topic, resolve });
      schedulePump();
    });

  async function handle(s: Session, f: Frame): Promise<void> {
    if (!s.hello) {
      if (f.type !== FrameType.HELLO) {
        throw new ProtocolError(`expected HELLO as the first frame, got ${frameTypeName(f.type)}`);
      }
      if (f.version !== PROTOCOL_VERSION) {
        sendError(
          s,
          0,
          ErrorCode.BAD_HELLO,
          `protocol version ${f.version} not supported (speak ${PROTOCOL_VERSION})`,
        );
        await s.fc.drain().catch(() => {});
        s.fc.close();
        return;
      }
      s.hello = true;
      s.fc.send(
        encodeFrame({ type: FrameType.HELLO_OK, version: PROTOCOL_VERSION, serverId: "gputel" }),
      );
      return;
    }
    switch (f.type) {
      case FrameType.PING:
        s.fc.send(encodeFrame({ type: FrameType.PONG, nonce: f.nonce }));
        return;
      case FrameType.PONG:
        return;
      case FrameType.METADATA: {
        const t = core.topic(f.topic);
        s.fc.send(encodeFrame({
          type: FrameType.METADATA_OK,
          correlationId: f.correlationId,
          topic: f.topic,
          partitions: t.logs.length,
        }));
        return;
      }
      case FrameType.PUBLISH: {
        if (f.count < 1) throw new RangeError(`PUBLISH count must be >= 1, got ${f.count}`);
        validateBatch(f.batch, f.count);
        const t = core.topic(f.topic);
        if (!t.logs[f.partition]) {
          throw new RangeError(
            `partition ${f.partition} does not exist: topic ${f.topic} has ${t.logs.length}`,
          );
        }
        if (!core.hasRoom(f.topic)) {
          t.counters.publishWaits++;
          s.parked = true;
          await waitForRoom(f.topic);
          s.parked = false;
          s.lastSeen = clock.now();
        }
        const b = core.publish(f.topic, f.partition, f.batch.slice(), f.count);
        s.fc.send(encodeFrame({
          type: FrameType.PUBLISH_OK,
          correlationId: f.correlationId,
          partition: f.partition,
          baseOffset: b.baseOffset,
          count: b.count,
        }));
        schedulePump();
        return;
      }
      case FrameType.SUBSCRIBE: {
        if (s.subs.has(f.subscriptionId)) {
          throw new RangeError(
            `subscription ${f.subscriptionId} already exists on this connection`,
          );
        }
        if (s.subs.size >= maxSubs) {
          sendError(
            s,
            f.subscriptionId,
            ErrorCode.LIMIT,
            `at most ${maxSubs} subscriptions per connection`,
          );
          return;
        }
        const memberId = `c${s.id}.s${f.subscriptionId}`;
        core.subscribe(memberId, f.topic, f.group, {
          messages: f.creditMessages,
          bytes: f.creditBytes,
        });
        s.subs.set(f.subscriptionId, memberId);
        members.set(memberId, { session: s, subscriptionId: f.subscriptionId });
        s.fc.send(
          encodeFrame({ type: FrameType.SUBSCRIBE_OK, subscriptionId: f.subscriptionId, memberId }),
        );
        log.info("member joined", { member: memberId, topic: f.topic, group: f.group });
        schedulePump();
        return;
      }
      case FrameType.ACK:
      case FrameType.NACK: {
        const memberId = s.subs.get(f.subscriptionId);
        if (!memberId) throw new RangeError(`unknown subscription ${f.subscriptionId}`);
        if (f.type === FrameType.ACK) core.ack(memberId, f.partition, f.upTo);
        else core.nack(memberId, f.partition, f.offset);
        schedulePump();
        return;
      }
      default:
        throw new ProtocolError(`a client may not send ${frameTypeName(f.type)}`);
    }
  }

  async function serve(conn: Deno.Conn): Promise<void> {
    const s: Session = {
      id: nextId++,
      fc: new FrameConnection(conn, { maxFrameBytes: options.maxFrameBytes }),
      hello: false,
      parked: false,
      lastSeen: clock.now(),
      subs: new Map(),
    };
    sessions.set(s.id, s);
    counters.connectionsAccepted++;
    counters.connectionsOpen++;
    try {
      for await (const f of s.fc.frames()) {
        s.lastSeen = clock.now();
        try {
          await handle(s, f);
        } catch (err) {
          if (!(err instanceof RangeError)) throw err;
          counters.requestErrors++;
          const corr = "correlationId" in f
            ? f.correlationId
            : "subscriptionId" in f
            ? f.subscriptionId
            : 0;
          sendError(s, corr, ErrorCode.BAD_REQUEST, err.message);
        }
      }
    } catch (err) {
      counters.protocolErrors++;
      const code = err instanceof FrameTooLargeError
        ? ErrorCode.FRAME_TOO_LARGE
        : ErrorCode.BAD_FRAME;
      log.warn("closing connection after a protocol error", {
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
        members.delete(memberId);
        core.unsubscribe(memberId);
      }
      schedulePump();
    }
  }

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // listener closed
      }
      serve(conn).catch((err) => log.error("connection failed", { error: String(err) }));
    }
  })();

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
  };
  options.signal?.addEventListener("abort", () => void close(), { once: true });

  return Promise.resolve({
    addr: listener.addr as Deno.NetAddr,
    core,
    counters,
    close,
    [Symbol.asyncDispose]: close,
  });
}

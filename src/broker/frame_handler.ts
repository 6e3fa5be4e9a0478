/**
 * What the broker does with each frame a client sends. Requests with bad
 * arguments throw BadRequestError (answered with ERROR, the connection stays);
 * protocol violations throw ProtocolError (ERROR, then the connection closes).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { TokenCheck } from "../net/token.ts";
import type { Logger } from "../obs/log.ts";
import {
  BadRequestError,
  encodeFrame,
  ErrorCode,
  type Frame,
  FrameType,
  frameTypeName,
  PROTOCOL_VERSION,
  ProtocolError,
  validateBatch,
} from "../protocol/mod.ts";
import type { BrokerCore } from "./core.ts";
import type { DurableLog } from "./durable_log.ts";
import type { MemberRoute } from "./dispatcher.ts";
import type { ServerCounters } from "./server_counters.ts";
import type { Session } from "./session.ts";

/** Publishes a session may have being written at once before it stops reading. */
const MAX_PUBLISHES_IN_FLIGHT = 64;

/** What the frame handler works with. */
export interface BrokerContext {
  /** In-memory topics and groups. */
  core: BrokerCore;
  /** Log that stores published batches. */
  log: DurableLog;
  /** Time source of leases and timeouts. */
  clock: Clock;
  /** Where the broker logs. */
  logger: Logger;
  /** Broker instance id sent in HELLO_OK. */
  serverId: string;
  /** Most subscriptions per connection. */
  maxSubscriptions: number;
  /** Silence after which a connection is closed, ms (told to members for their leases). */
  sessionTimeoutMs: number;
  /** Most messages in one PUBLISH. */
  maxBatchMessages: number;
  /** When set, HELLO must carry this token. */
  token: TokenCheck | undefined;
  /** memberId → where its deliveries go */
  members: Map<string, MemberRoute>;
  /** Asks for a delivery pass soon. */
  schedulePump(): void;
  /** Resolves once `topic` has room for another publish. */
  waitForRoom(topic: string): Promise<void>;
  /** The server's counters shown in /stats. */
  counters: ServerCounters;
}

/** Sends an ERROR frame. */
export function sendError(s: Session, correlationId: number, code: number, message: string): void {
  s.fc.send(encodeFrame({ type: FrameType.ERROR, correlationId, code, message }));
}

/**
 * Handles one frame from a session.
 *
 * @throws {ProtocolError} for a frame the client may not send now
 * @throws {BadRequestError} for a request with bad arguments
 */
export async function handleFrame(ctx: BrokerContext, s: Session, f: Frame): Promise<void> {
  if (!s.hello) return hello(ctx, s, f);
  switch (f.type) {
    case FrameType.PING:
      s.lastPing = f.nonce;
      s.fc.send(encodeFrame({ type: FrameType.PONG, nonce: f.nonce }));
      return;
    case FrameType.PONG:
      return;
    case FrameType.METADATA: {
      // Answers only: a topic comes into being with its first publish (or subscribe).
      const partitions = ctx.core.partitionsOf(f.topic);
      if (ctx.core.topics.has(f.topic)) ctx.log.prepare(f.topic);
      s.fc.send(encodeFrame({
        type: FrameType.METADATA_OK,
        correlationId: f.correlationId,
        topic: f.topic,
        partitions,
      }));
      return;
    }
    case FrameType.PUBLISH:
      return await publish(ctx, s, f);
    case FrameType.SUBSCRIBE:
      return subscribe(ctx, s, f);
    case FrameType.ACK:
    case FrameType.NACK: {
      const memberId = s.subs.get(f.subscriptionId);
      if (!memberId) throw new BadRequestError(`unknown subscription ${f.subscriptionId}`);
      if (f.type === FrameType.ACK) ctx.core.ack(memberId, f.partition, f.upTo, f.generation);
      else ctx.core.nack(memberId, f.partition, f.offset, f.generation);
      ctx.schedulePump();
      return;
    }
    default:
      throw new ProtocolError(`a client may not send ${frameTypeName(f.type)}`);
  }
}

function subscribe(
  ctx: BrokerContext,
  s: Session,
  f: Extract<Frame, { type: typeof FrameType.SUBSCRIBE }>,
): void {
  if (s.subs.has(f.subscriptionId)) {
    throw new BadRequestError(
      `subscription ${f.subscriptionId} already exists on this connection`,
    );
  }
  if (s.subs.size >= ctx.maxSubscriptions) {
    sendError(
      s,
      f.subscriptionId,
      ErrorCode.LIMIT,
      `at most ${ctx.maxSubscriptions} subscriptions per connection`,
    );
    return;
  }
  const memberId = `c${s.id}.s${f.subscriptionId}`;
  const replaced = ctx.core.subscribe(memberId, f.topic, f.group, {
    messages: f.creditMessages,
    bytes: f.creditBytes,
  }, f.memberKey);
  if (replaced !== undefined) {
    // The older connection of this member (not yet seen closed) gets
    // nothing more; its acks are ignored.
    ctx.members.delete(replaced);
    ctx.logger.warn("member rejoined; replacing its older connection", {
      key: f.memberKey.slice(0, 200),
      old: replaced,
      member: memberId,
    });
  }
  s.subs.set(f.subscriptionId, memberId);
  ctx.members.set(memberId, { session: s, subscriptionId: f.subscriptionId });
  s.fc.send(encodeFrame({
    type: FrameType.SUBSCRIBE_OK,
    subscriptionId: f.subscriptionId,
    memberId,
    ackTimeoutMs: ctx.core.options.ackTimeoutMs,
    sessionTimeoutMs: ctx.sessionTimeoutMs,
  }));
  ctx.logger.info("member joined", {
    member: memberId,
    key: f.memberKey.slice(0, 200),
    topic: f.topic,
    group: f.group,
  });
  ctx.schedulePump();
}

async function hello(ctx: BrokerContext, s: Session, f: Frame): Promise<void> {
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
  if (ctx.token && !ctx.token.matches(f.token)) {
    ctx.counters.unauthorized++;
    ctx.logger.warn("refusing a client without the right token", {
      conn: s.id,
      client: f.clientId.slice(0, 100),
      token: f.token === "" ? "missing" : "wrong",
    });
    const why = f.token === "" ? "none was sent" : "the one sent is wrong";
    sendError(
      s,
      0,
      ErrorCode.UNAUTHORIZED,
      `a token is required and ${why}: give the broker's token with --token, --token-file or GPUTEL_TOKEN`,
    );
    await s.fc.drain().catch(() => {});
    s.fc.close();
    return;
  }
  s.hello = true;
  s.fc.send(
    encodeFrame({ type: FrameType.HELLO_OK, version: PROTOCOL_VERSION, serverId: ctx.serverId }),
  );
}

async function publish(
  ctx: BrokerContext,
  s: Session,
  f: Extract<Frame, { type: 0x12 }>,
): Promise<void> {
  if (f.count < 1) throw new BadRequestError(`PUBLISH count must be >= 1, got ${f.count}`);
  if (f.count > ctx.maxBatchMessages) {
    ctx.counters.requestErrors++;
    sendError(
      s,
      f.correlationId,
      ErrorCode.LIMIT,
      `a batch of ${f.count} messages is over this broker's limit of ${ctx.maxBatchMessages} (--max-batch); send smaller batches`,
    );
    return;
  }
  if (f.topic.endsWith(".dlq")) {
    throw new BadRequestError(
      `topic ${f.topic} is a dead-letter topic: only the broker writes to it; publish to ${
        f.topic.slice(0, -4)
      } instead`,
    );
  }
  validateBatch(f.batch, f.count);
  const t = ctx.core.clientTopic(f.topic);
  if (!t.logs[f.partition]) {
    throw new BadRequestError(
      `partition ${f.partition} does not exist: topic ${f.topic} has ${t.logs.length}`,
    );
  }
  if (!ctx.core.hasRoom(f.topic)) {
    t.counters.publishWaits++;
    s.parked = true;
    await ctx.waitForRoom(f.topic);
    s.parked = false;
    s.lastSeen = ctx.clock.now();
  }
  // Appends start in frame order (the log serialises them per partition);
  // confirms go out as each becomes durable, so one fsync covers many.
  const done = ctx.log.append(f.topic, f.partition, f.batch, f.count, {
    producerId: f.producerId,
    sequence: f.sequence,
  }, true).then(
    (b) => {
      s.fc.send(encodeFrame({
        type: FrameType.PUBLISH_OK,
        correlationId: f.correlationId,
        partition: f.partition,
        baseOffset: b.baseOffset,
        count: b.count,
      }));
      ctx.schedulePump();
    },
    (err) => {
      ctx.counters.storageErrors++;
      ctx.logger.error("could not store a batch; the publisher will retry", {
        topic: f.topic,
        error: String(err),
      });
      sendError(
        s,
        f.correlationId,
        ErrorCode.STORAGE,
        `cannot store the batch: ${(err as Error).message}`,
      );
    },
  );
  s.publishing.add(done);
  void done.finally(() => s.publishing.delete(done));
  if (s.publishing.size >= MAX_PUBLISHES_IN_FLIGHT) await Promise.race(s.publishing);
}

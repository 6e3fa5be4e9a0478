/**
 * The broker's client connections: each accepted connection becomes a
 * {@linkcode Session} whose frames go, in order, to {@linkcode handleFrame}.
 *
 * How a failure is answered says whose fault it is: a request with bad
 * arguments ({@linkcode BadRequestError}) or over a limit
 * ({@linkcode LimitError}) gets ERROR and the connection stays; a frame the
 * client may not send ({@linkcode ProtocolError}) gets ERROR BAD_FRAME (or
 * FRAME_TOO_LARGE) and a close; any other error is the broker's own: it is
 * logged and counted as internal, and the connection closes without blaming
 * the client.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { FrameConnection } from "../net/frame_connection.ts";
import {
  BadRequestError,
  encodeFrame,
  ErrorCode,
  type Frame,
  FrameTooLargeError,
  FrameType,
  ProtocolError,
} from "../protocol/mod.ts";
import { LimitError } from "./errors.ts";
import { type BrokerContext, handleFrame, sendError } from "./frame_handler.ts";
import type { ServerCounters } from "./server_counters.ts";
import { Session } from "./session.ts";

/** A failure inside the broker while handling a request: not the client's fault. */
class InternalFault extends Error {
  constructor(cause: unknown) {
    super(String(cause), { cause });
    this.name = "InternalFault";
  }
}

/** How long a connection being closed gets to flush its last ERROR, ms. */
const DRAIN_ON_CLOSE_MS = 200;

/** The open client connections of a server. */
export class Connections {
  /** Open sessions by connection number. */
  readonly sessions = new Map<number, Session>();
  #ctx: BrokerContext;
  #clock: Clock;
  #counters: ServerCounters;
  #limits: { maxConnections: number; maxFrameBytes: number };
  #nextId = 1;

  /**
   * Creates the connection table of a server.
   * @param ctx what requests are handled with (its counters are the server's)
   */
  constructor(ctx: BrokerContext, limits: { maxConnections: number; maxFrameBytes: number }) {
    this.#ctx = ctx;
    this.#clock = ctx.clock;
    this.#counters = ctx.counters;
    this.#limits = limits;
  }

  /** Serves one accepted connection until it closes; refuses it at `maxConnections`. */
  async serve(conn: Deno.Conn): Promise<void> {
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true); // replies go out at once
    const fc = new FrameConnection(conn, { maxFrameBytes: this.#limits.maxFrameBytes });
    if (this.sessions.size >= this.#limits.maxConnections) return await this.#refuse(fc);
    const s = new Session(this.#nextId++, fc, this.#clock.now());
    this.sessions.set(s.id, s);
    this.#counters.connectionsAccepted++;
    this.#counters.connectionsOpen++;
    try {
      await this.#read(s);
    } catch (err) {
      if (err instanceof InternalFault) this.#internal(s, err);
      else await this.#protocolError(s, err as Error);
    } finally {
      this.#closed(s);
    }
  }

  /** Closes every connection. */
  closeAll(): void {
    for (const s of this.sessions.values()) s.fc.close();
  }

  /** Resolves when every publish being written on any connection has settled. */
  async settled(): Promise<void> {
    await Promise.all([...this.sessions.values()].flatMap((s) => [...s.publishing]));
  }

  async #read(s: Session): Promise<void> {
    for await (const f of s.fc.frames()) {
      s.lastSeen = this.#clock.now();
      try {
        await handleFrame(this.#ctx, s, f);
        if (s.fc.closed) break; // refused (token, version): nothing more is read
      } catch (err) {
        if (err instanceof BadRequestError || err instanceof LimitError) this.#answer(s, f, err);
        else if (err instanceof ProtocolError) throw err;
        else throw new InternalFault(err);
      }
    }
  }

  /** ERROR for a refused request; the connection stays. */
  #answer(s: Session, f: Frame, err: BadRequestError | LimitError): void {
    this.#counters.requestErrors++;
    const corr = "correlationId" in f
      ? f.correlationId
      : "subscriptionId" in f
      ? f.subscriptionId
      : 0;
    if (err instanceof LimitError) {
      this.#counters.limitRefusals++;
      this.#ctx.logger.warn("refused a request at a limit", { error: err.message });
    }
    const code = err instanceof LimitError ? ErrorCode.LIMIT : ErrorCode.BAD_REQUEST;
    sendError(s, corr, code, err.message);
  }

  async #protocolError(s: Session, err: Error): Promise<void> {
    this.#counters.protocolErrors++;
    const code = err instanceof FrameTooLargeError
      ? ErrorCode.FRAME_TOO_LARGE
      : ErrorCode.BAD_FRAME;
    this.#ctx.logger.warn("closing connection after a protocol error", {
      conn: s.id,
      error: err.message,
    });
    sendError(s, 0, code, err.message);
    await drainBriefly(s.fc);
  }

  #internal(s: Session, err: InternalFault): void {
    this.#counters.internalErrors++;
    this.#ctx.logger.error("internal error handling a request: closing the connection", {
      conn: s.id,
      error: err.cause instanceof Error ? err.cause.stack ?? err.message : err.message,
    });
  }

  async #refuse(fc: FrameConnection): Promise<void> {
    const max = this.#limits.maxConnections;
    this.#counters.connectionsRefused++;
    this.#ctx.logger.warn("refusing a connection: at the connection limit", { max });
    const message = `too many connections: this broker takes at most ${max}`;
    fc.send(
      encodeFrame({ type: FrameType.ERROR, correlationId: 0, code: ErrorCode.LIMIT, message }),
    );
    await drainBriefly(fc);
    fc.close();
  }

  #closed(s: Session): void {
    s.fc.close();
    this.sessions.delete(s.id);
    this.#counters.connectionsOpen--;
    for (const memberId of s.subs.values()) {
      this.#ctx.members.delete(memberId);
      this.#ctx.core.unsubscribe(memberId);
    }
    this.#ctx.schedulePump();
  }
}

/** Waits for what is queued to go out, at most {@linkcode DRAIN_ON_CLOSE_MS}. */
async function drainBriefly(fc: FrameConnection): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    fc.drain().catch(() => {}),
    new Promise((r) => (timer = setTimeout(r, DRAIN_ON_CLOSE_MS))),
  ]);
  clearTimeout(timer);
}

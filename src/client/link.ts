/**
 * One live, greeted connection to a broker: connect, HELLO, heartbeats, and a
 * read loop handing frames to a callback.
 *
 * @module
 */
import { FrameConnection } from "../net/frame_connection.ts";
import { isCertificateError, type TlsClientConfig } from "../net/tls.ts";
import {
  encodeFrame,
  type Frame,
  FrameTooLargeError,
  FrameType,
  PROTOCOL_VERSION,
} from "../protocol/mod.ts";
import { BrokerRefusedError, BrokerRequestError, BrokerUnavailableError } from "./errors.ts";
import { LeaseClock } from "./lease.ts";

/** Where a broker listens. */
export interface BrokerAddress {
  /** Broker host name or address. */
  host: string;
  /** Broker TCP port. */
  port: number;
}

/** Formats an address as `host:port`. */
export function formatAddress(a: BrokerAddress): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Default {@linkcode LinkOptions.heartbeatMs}. */
export const DEFAULT_HEARTBEAT_MS = 2000;
/** Default {@linkcode LinkOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** Options of {@linkcode openLink}. */
export interface LinkOptions {
  /** Client name sent in HELLO. */
  clientId: string;
  /** Sent in HELLO; empty when the broker needs none. @default {""} */
  token?: string;
  /** Called for every frame after HELLO_OK, in order. */
  onFrame: (frame: Frame) => void;
  /** PING interval, ms. @default {DEFAULT_HEARTBEAT_MS} */
  heartbeatMs?: number;
  /** Give up connecting after this long, ms. @default {DEFAULT_CONNECT_TIMEOUT_MS} */
  connectTimeoutMs?: number;
  /** Largest frame accepted from the broker. */
  maxFrameBytes?: number;
  /** Speak TLS to the broker, trusting these CAs; unset speaks plain TCP. */
  tls?: TlsClientConfig;
}

/** A greeted connection. */
export interface Link {
  /** Framed connection to the broker. */
  readonly fc: FrameConnection;
  /**
   * The broker's log identity from HELLO_OK: stable across restarts of a
   * persistent broker, new for every start of a memory-only one. Offsets
   * are only comparable under one identity.
   */
  readonly serverId: string;
  /** PING times and the leases of this connection's deliveries. */
  readonly lease: LeaseClock;
  /** Sends a PING now (keeps leases fresh; the heartbeat sends one regularly). */
  ping(): void;
  /** The heartbeat's PING interval, ms. */
  readonly heartbeatMs: number;
  /** Sets the heartbeat's PING interval (from the broker's session timeout), from now on. */
  setHeartbeat(ms: number): void;
  /** Resolves when the connection ends, with the reason. */
  readonly done: Promise<Error>;
  /** Closes the connection. Safe to call twice. */
  close(): void;
}

/**
 * Connects and completes the HELLO exchange.
 *
 * @throws {BrokerUnavailableError} naming the address when it cannot connect or greet
 * @throws {BrokerRefusedError} when the broker refuses HELLO (token, version) or its TLS
 *   certificate is not trusted: retrying cannot help
 */
export async function openLink(addr: BrokerAddress, options: LinkOptions): Promise<Link> {
  const where = formatAddress(addr);
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const stream = await dial(addr, where, timeoutMs, options.tls);
  const fc = new FrameConnection(stream, { maxFrameBytes: options.maxFrameBytes });
  const frames = fc.frames();
  const lease = new LeaseClock(); // before HELLO: leases count from no later than its send
  const serverId = await greet(fc, frames, where, timeoutMs, options);
  const ping = () => {
    if (!fc.closed) fc.send(encodeFrame({ type: FrameType.PING, nonce: lease.nextPing() }));
  };
  let heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let heartbeat = setInterval(ping, heartbeatMs);
  const done = readFrames(frames, where, lease, options.onFrame).finally(() => {
    clearInterval(heartbeat);
    lease.close();
    fc.close();
  });
  return {
    fc,
    serverId,
    lease,
    ping,
    get heartbeatMs() {
      return heartbeatMs;
    },
    setHeartbeat: (ms: number) => {
      if (fc.closed || ms === heartbeatMs) return;
      clearInterval(heartbeat);
      heartbeatMs = ms;
      heartbeat = setInterval(ping, ms);
    },
    done,
    close: () => {
      lease.close();
      fc.close();
    },
  };
}

/** Connects over TCP and, with `tls`, completes the TLS handshake, within `timeoutMs` each. */
async function dial(
  addr: BrokerAddress,
  where: string,
  timeoutMs: number,
  tlsConfig: TlsClientConfig | undefined,
): Promise<Deno.Conn> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({
      hostname: addr.host,
      port: addr.port,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    const why = cause instanceof Deno.errors.ConnectionRefused
      ? "connection refused (is `gputel broker` running?)"
      : (cause as Error).message;
    throw new BrokerUnavailableError(`Cannot connect to broker ${where}: ${why}`, { cause });
  }
  conn.setNoDelay(true);
  if (!tlsConfig) return conn;
  const tls = await Deno.startTls(conn, { hostname: addr.host, caCerts: tlsConfig.caCerts ?? [] });
  const timer = setTimeout(() => tls.close(), timeoutMs);
  try {
    await tls.handshake();
  } catch (cause) {
    try {
      tls.close();
    } catch {
      // already closed
    }
    const msg = `TLS handshake with broker ${where} failed: ${(cause as Error).message}`;
    if (isCertificateError(cause)) {
      throw new BrokerRefusedError(`${msg} (check --tls-ca)`, { cause });
    }
    throw new BrokerUnavailableError(msg, { cause });
  } finally {
    clearTimeout(timer);
  }
  return tls;
}

/**
 * Sends HELLO and reads the answer within `timeoutMs`; returns the
 * broker's log identity. Closes the connection when it fails.
 */
async function greet(
  fc: FrameConnection,
  frames: AsyncGenerator<Frame>,
  where: string,
  timeoutMs: number,
  options: LinkOptions,
): Promise<string> {
  fc.send(encodeFrame({
    type: FrameType.HELLO,
    version: PROTOCOL_VERSION,
    clientId: options.clientId,
    token: options.token ?? "",
  }));
  const timer = setTimeout(() => fc.close(), timeoutMs);
  let first: IteratorResult<Frame>;
  try {
    first = await frames.next();
  } catch (cause) {
    fc.close();
    if (!options.tls && looksLikeTls(cause)) {
      throw new BrokerRefusedError(
        `Broker ${where} answered in TLS: it runs with --tls-cert, so connect with --tls-ca ` +
          `(the CA that signed its certificate)`,
        { cause },
      );
    }
    throw new BrokerUnavailableError(
      `Broker ${where} sent garbage during HELLO: ${(cause as Error).message}`,
      { cause },
    );
  } finally {
    clearTimeout(timer);
  }
  if (first.done) {
    fc.close();
    throw new BrokerUnavailableError(`Broker ${where} closed the connection during HELLO`);
  }
  if (first.value.type === FrameType.ERROR) {
    fc.close();
    const e = new BrokerRequestError(first.value.code, first.value.message);
    throw new BrokerRefusedError(
      `Broker ${where} refused the connection: ${first.value.message}`,
      { cause: e },
    );
  }
  if (first.value.type !== FrameType.HELLO_OK) {
    fc.close();
    throw new BrokerUnavailableError(
      `Broker ${where} answered HELLO with frame type ${first.value.type}`,
    );
  }
  return first.value.serverId;
}

/** Hands every frame to `onFrame` until the connection ends; resolves with the reason. */
async function readFrames(
  frames: AsyncGenerator<Frame>,
  where: string,
  lease: LeaseClock,
  onFrame: (frame: Frame) => void,
): Promise<Error> {
  try {
    for await (const f of frames) {
      if (f.type === FrameType.PONG) lease.heard(f.nonce);
      onFrame(f);
    }
    return new BrokerUnavailableError(`Broker ${where} closed the connection`);
  } catch (err) {
    return new BrokerUnavailableError(
      `Connection to broker ${where} failed: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * Whether a failed HELLO read was a TLS record: a TLS server answers a plain
 * HELLO with an alert (type 0x15) or handshake (0x16) record of version 3.x,
 * which the frame decoder reads as a huge length prefix.
 */
function looksLikeTls(err: unknown): boolean {
  if (!(err instanceof FrameTooLargeError)) return false;
  const type = err.size >>> 24;
  return (type === 0x15 || type === 0x16) && ((err.size >>> 16) & 0xff) === 0x03;
}

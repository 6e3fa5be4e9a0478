/**
 * Connecting to a NATS server or cluster, and making sure the topic's
 * streams and a group's consumer exist as wanted (created when missing,
 * checked when present: a difference is an error naming it, never changed).
 *
 * @module
 */
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import {
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  type StreamInfo,
} from "@nats-io/jetstream";
import type { TlsClientConfig } from "../../net/tls.ts";
import { defaultReplicas } from "./replicas.ts";
import { BrokerRefusedError, BrokerUnavailableError } from "../errors.ts";
import {
  configDifferences,
  deadLetterStreamConfig,
  groupConsumerConfig,
  type JetStreamGroup,
  type JetStreamTopic,
  partitionOf,
  topicStreamConfig,
  type WantedStream,
} from "./topology.ts";

/** How to reach a NATS cluster. */
export interface NatsServerOptions {
  /** Server URLs, `nats://host:port` (credentials in a URL are passed on). */
  servers: string[];
  /** NATS auth token. */
  token?: string;
  /** Contents of a NATS `.creds` file (user JWT and NKey seed). */
  creds?: string;
  /** Speak TLS, trusting these CAs. */
  tls?: TlsClientConfig;
  /** Client name the server shows in its monitoring. */
  name: string;
}

/** A JetStream error code: stream not found. */
const STREAM_NOT_FOUND = 10059;
/** A JetStream error code: consumer not found. */
const CONSUMER_NOT_FOUND = 10014;
/** How long to keep trying a first connection before giving up, ms. */
const FIRST_CONNECT_MS = 30_000;

/**
 * Connects; keeps reconnecting forever once connected (a cluster fails over).
 *
 * @throws {BrokerRefusedError} when authentication fails
 * @throws {BrokerUnavailableError} when no server answers within 30 s
 */
export async function connectNats(o: NatsServerOptions): Promise<NatsConnection> {
  const started = Date.now();
  for (;;) {
    try {
      return await connect({
        servers: o.servers,
        name: o.name,
        token: o.token,
        authenticator: o.creds === undefined
          ? undefined
          : credsAuthenticator(new TextEncoder().encode(o.creds)),
        tls: o.tls ? { ca: o.tls.caCerts?.join("\n") } : undefined,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        pingInterval: 5_000,
      });
    } catch (err) {
      const e = err as Error;
      const where = o.servers.join(",");
      if (/authoriz|authentic|permission/i.test(e.message)) {
        throw new BrokerRefusedError(
          `NATS ${where} refused the connection: ${e.message} (check the URL's credentials, --token or --nats-creds)`,
          { cause: e },
        );
      }
      if (Date.now() - started > FIRST_CONNECT_MS) {
        throw new BrokerUnavailableError(
          `Cannot connect to NATS ${where}: ${e.message} (is nats-server running with -js?)`,
          { cause: e },
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Servers in the connected cluster: 1 for a lone server. */
export function clusterSize(nc: NatsConnection): number {
  const urls = new Set(nc.info?.connect_urls ?? []);
  if (nc.info) urls.add(`${nc.info.host}:${nc.info.port}`);
  return Math.max(1, urls.size);
}

/** What {@linkcode ensureTopic} found or made. */
export interface TopicLayout {
  /** The topic's partition count. */
  partitions: number;
  /** The stream's identity: `nats:GPUTEL_<topic>@<created>`; a re-created stream has a new one. */
  origin: string;
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === STREAM_NOT_FOUND) return null;
    throw err;
  }
}

async function ensureStream(
  jsm: JetStreamManager,
  wanted: WantedStream,
  unchecked: readonly string[],
): Promise<StreamInfo> {
  const found = await streamInfo(jsm, wanted.name);
  if (found !== null) return checked(found, wanted, unchecked);
  try {
    return await jsm.streams.add(wanted);
  } catch (err) {
    // Another gputel created it meanwhile: check theirs.
    const raced = await streamInfo(jsm, wanted.name);
    if (raced === null) throw err;
    return checked(raced, wanted, unchecked);
  }
}

function checked(
  found: StreamInfo,
  wanted: WantedStream,
  unchecked: readonly string[],
): StreamInfo {
  const compared = Object.fromEntries(
    Object.entries(wanted).filter(([field]) => !unchecked.includes(field)),
  );
  const diff = configDifferences(found.config, compared);
  if (diff.length > 0) {
    throw new RangeError(
      `JetStream stream ${wanted.name} exists with other settings (${diff.join("; ")}); ` +
        "gputel never changes it: pass the matching flags, or change or delete the stream yourself",
    );
  }
  return found;
}

/**
 * Creates the topic's stream and dead-letter stream when missing, checks
 * them when present. Replicas default to {@linkcode defaultReplicas} of
 * the servers up now, and are checked only when given.
 *
 * @throws {RangeError} naming each setting an existing stream holds differently
 */
export async function ensureTopic(
  nc: NatsConnection,
  jsm: JetStreamManager,
  wanted: JetStreamTopic,
): Promise<TopicLayout> {
  const topic = { ...wanted, replicas: wanted.replicas ?? defaultReplicas(clusterSize(nc)) };
  // The default depends on the servers up now: an existing stream's replicas stand.
  const unchecked = wanted.replicas === undefined ? ["num_replicas"] : [];
  const info = await ensureStream(jsm, topicStreamConfig(topic), unchecked);
  await ensureStream(jsm, deadLetterStreamConfig(topic), unchecked);
  const partitions = info.config.subjects.filter((s) => partitionOf(topic.topic, s) >= 0).length;
  return { partitions, origin: `nats:${info.config.name}@${info.created}` };
}

/**
 * Creates the group's durable consumer when missing, checks it when present.
 *
 * @throws {RangeError} naming each setting an existing consumer holds differently
 */
export async function ensureGroup(
  jsm: JetStreamManager,
  stream: string,
  group: JetStreamGroup,
): Promise<void> {
  const wanted = groupConsumerConfig(group);
  try {
    const found = await jsm.consumers.info(stream, wanted.durable_name!);
    const diff = configDifferences(found.config, wanted);
    if (diff.length > 0) {
      throw new RangeError(
        `JetStream consumer ${wanted.durable_name} of ${stream} exists with other settings ` +
          `(${diff.join("; ")}); pass the matching --ack-timeout/--max-deliveries, or delete it`,
      );
    }
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === CONSUMER_NOT_FOUND)) throw err;
    await jsm.consumers.add(stream, wanted);
  }
}

export { jetstreamManager };

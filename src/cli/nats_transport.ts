/**
 * Composes the NATS JetStream transport from the command line: the stream
 * role's sink and the collect role's sources when `--broker nats://…`.
 *
 * @module
 */
import type { ResumableSinkOptions, Sink } from "../client/sink.ts";
import type { Source } from "../client/source.ts";
import type { Logger } from "../obs/log.ts";
import { UsageError } from "./errors.ts";
import type { GputelOptions, NatsServers } from "./options.ts";
import type { RunSecrets } from "./secrets.ts";

/** Opens the sink and the group members of one process. */
export interface NatsTransport {
  /**
   * The stream role's sink, holding at most `bufferMessages` unconfirmed
   * (default `--buffer`), numbering batches as `numbering` says.
   */
  sink(bufferMessages?: number, numbering?: ResumableSinkOptions): Promise<Sink>;
  /** Group member `i` of the collect role. */
  source(i: number): Promise<Source>;
}

/**
 * Reads `--nats-creds` and checks the names JetStream will use, then
 * returns openers of sinks and sources.
 *
 * @throws {UsageError} naming the flag when the creds file cannot be read or
 *   the topic or group holds a `.`
 */
export async function natsTransport(
  o: GputelOptions,
  target: NatsServers,
  secrets: RunSecrets,
  logger: Logger,
): Promise<NatsTransport> {
  const mod = await import("../client/nats/mod.ts");
  try {
    mod.checkJetStreamName("topic", o.topic);
    mod.checkJetStreamName("group", o.group);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let creds: string | undefined;
  if (o.natsCreds !== undefined) {
    try {
      creds = await Deno.readTextFile(o.natsCreds);
    } catch (err) {
      throw new UsageError(
        `--nats-creds ${JSON.stringify(o.natsCreds)} cannot be read: ${(err as Error).message}`,
      );
    }
  }
  const nats = {
    servers: target.nats,
    token: secrets.token,
    creds,
    tls: secrets.brokerTls,
    name: `gputel-${o.id}`,
  };
  const topic = {
    topic: o.topic,
    partitions: o.partitions,
    replicas: o.natsReplicas,
    maxAgeMs: o.retentionMs,
    maxBytesPerPartition: o.retentionBytes,
  };
  const group = { group: o.group, ackWaitMs: o.ackTimeoutMs, maxDeliveries: o.maxDeliveries };
  return {
    sink: (bufferMessages = o.bufferMessages, numbering = {}) =>
      mod.JetStreamSink.connect({
        nats,
        topic,
        batchSize: o.batchSize,
        lingerMs: o.lingerMs,
        bufferMessages,
        logger: logger.child("stream"),
        ...numbering,
      }),
    source: (i) =>
      mod.JetStreamSource.connect({ nats, topic, group, logger: logger.child(`collect.js${i}`) }),
  };
}

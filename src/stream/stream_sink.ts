/**
 * The sink a stream run publishes through: the `connect` the caller gives
 * (a test's fake, the NATS JetStream sink), or a {@linkcode Publisher} to
 * the gputel broker at `broker`.
 *
 * @module
 */
import { Publisher } from "../client/publisher.ts";
import { DEFAULT_BATCH_SIZE, DEFAULT_LINGER_MS } from "../client/publisher_options.ts";
import type { ResumableSinkOptions } from "../client/sink.ts";
import { DEFAULT_TOPIC } from "../record/topic.ts";
import {
  DEFAULT_BUFFER_MESSAGES,
  type StreamPublisher,
  type StreamRoleOptions,
} from "./role_options.ts";

/**
 * Opens the sink: `o.connect`, or a {@linkcode Publisher} to `o.broker`.
 *
 * @param o the run's options (`connect`, or `broker` and the publisher's settings)
 * @param numbering where a resumed run's message numbering continues
 * @throws {BrokerUnavailableError} when the broker cannot be reached
 */
export function connectSink(
  o: StreamRoleOptions,
  numbering: ResumableSinkOptions,
): Promise<StreamPublisher> {
  if (o.connect !== undefined) return o.connect(numbering);
  return Publisher.connect({
    broker: o.broker!,
    topic: o.topic ?? DEFAULT_TOPIC,
    clientId: "stream",
    token: o.token,
    tls: o.tls,
    batchSize: o.batchSize ?? DEFAULT_BATCH_SIZE,
    lingerMs: o.lingerMs ?? DEFAULT_LINGER_MS,
    bufferMessages: o.bufferMessages ?? DEFAULT_BUFFER_MESSAGES,
    logger: o.logger,
    ...numbering,
  });
}

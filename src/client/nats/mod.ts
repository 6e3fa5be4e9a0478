/**
 * The NATS JetStream transport: {@linkcode JetStreamSink} for the stream role,
 * {@linkcode JetStreamSource} for the collect role, and how `--broker
 * nats://…` is parsed.
 *
 * @module
 */
export { JetStreamSink, type JetStreamSinkOptions } from "./sink.ts";
export { JetStreamSource, type JetStreamSourceOptions } from "./source.ts";
export type { NatsServerOptions } from "./connection.ts";
export {
  checkJetStreamName,
  DEFAULT_DUPLICATE_WINDOW_MS,
  type JetStreamGroup,
  type JetStreamTopic,
} from "./topology.ts";

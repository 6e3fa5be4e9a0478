/**
 * The NATS client's types that the JetStream transport's exported functions
 * take and return, re-exported so that the documented surface names them.
 *
 * @module
 */
export type { MsgHdrs, NatsConnection } from "@nats-io/transport-node";
export type { ConsumerConfig, JetStreamManager, StreamConfig } from "@nats-io/jetstream";

/**
 * Options and counters of the `Subscriber`, with their defaults.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import type { TlsClientConfig } from "../net/tls.ts";
import type { BrokerAddress } from "./link.ts";

/** Default {@linkcode SubscriberOptions.creditMessages}. */
export const DEFAULT_CREDIT_MESSAGES = 10_000;
/** Default {@linkcode SubscriberOptions.creditBytes}: 64 MiB. */
export const DEFAULT_CREDIT_BYTES = 64 * 1024 * 1024;

/** Options of `Subscriber.connect`. */
export interface SubscriberOptions {
  /** Broker to consume from. */
  broker: BrokerAddress;
  /** Topic to consume. */
  topic: string;
  /** Consumer group to join. */
  group: string;
  /** Client name sent in HELLO. @default {"subscriber"} */
  clientId?: string;
  /**
   * Stable member identity ("" for none): the broker gives a member that
   * rejoins under the same key the partitions it owned. @default {""}
   */
  memberKey?: string;
  /** Sent in HELLO when the broker requires one. */
  token?: string;
  /** Speak TLS to the broker, trusting these CAs; unset speaks plain TCP. */
  tls?: TlsClientConfig;
  /** Most messages in flight (delivered, unacked). @default {DEFAULT_CREDIT_MESSAGES} */
  creditMessages?: number;
  /** Most bytes in flight. @default {DEFAULT_CREDIT_BYTES} */
  creditBytes?: number;
  /** Where the subscriber logs. */
  logger?: Logger;
  /**
   * Aborting closes the subscriber, as `close()` does; a `connect()` still
   * trying to reach the broker gives up and returns it closed.
   */
  signal?: AbortSignal;
}

/** Counters of a subscriber. */
export type SubscriberCounters = {
  deliveries: number;
  messages: number;
  redelivered: number;
  acks: number;
  nacks: number;
  reconnects: number;
};

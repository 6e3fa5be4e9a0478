/**
 * Options and counters of {@linkcode Publisher}.
 *
 * @module
 */
import { type Logger, silentLogger } from "../obs/log.ts";
import type { TlsClientConfig } from "../net/tls.ts";
import type { BrokerAddress } from "./link.ts";
import type { ResumableSinkOptions } from "./sink.ts";

/** First pause before resending batches the broker could not store, ms (doubles per refusal in a row). */
export const STORAGE_RETRY_MS = 200;
/** Longest pause before resending batches the broker could not store, ms. */
export const STORAGE_RETRY_MAX_MS = 5000;

/** Default {@linkcode PublisherOptions.batchSize}. */
export const DEFAULT_BATCH_SIZE = 500;
/** Default {@linkcode PublisherOptions.lingerMs}. */
export const DEFAULT_LINGER_MS = 5;
/** Default {@linkcode PublisherOptions.bufferBytes}: 32 MiB. */
export const DEFAULT_BUFFER_BYTES = 32 * 1024 * 1024;
/** Default {@linkcode PublisherOptions.window}: unconfirmed batches on the wire. */
export const DEFAULT_WINDOW = 32;
/** Default {@linkcode PublisherOptions.bufferMessages} (and of the JetStream sink's). */
export const DEFAULT_PUBLISH_BUFFER_MESSAGES = 100_000;
/** Default {@linkcode PublisherOptions.giveUpAfterMs}: 0, never give up. */
export const DEFAULT_GIVE_UP_AFTER_MS = 0;

/** {@linkcode PublisherOptions} with defaults filled. */
export type ResolvedPublisherOptions =
  & Required<Omit<PublisherOptions, "token" | "logger" | "tls" | "producer">>
  & {
    token: string;
    logger: Logger;
    tls?: PublisherOptions["tls"];
    producer?: PublisherOptions["producer"];
  };

/** Fills the defaults of {@linkcode PublisherOptions}. */
export function resolvePublisherOptions(options: PublisherOptions): ResolvedPublisherOptions {
  return {
    clientId: "publisher",
    token: "",
    batchSize: DEFAULT_BATCH_SIZE,
    lingerMs: DEFAULT_LINGER_MS,
    window: DEFAULT_WINDOW,
    bufferMessages: DEFAULT_PUBLISH_BUFFER_MESSAGES,
    bufferBytes: DEFAULT_BUFFER_BYTES,
    giveUpAfterMs: DEFAULT_GIVE_UP_AFTER_MS,
    logger: silentLogger,
    autoSeal: true,
    ...options,
  };
}

/** Options of {@linkcode Publisher}. */
export interface PublisherOptions extends ResumableSinkOptions {
  /** Broker to publish to. */
  broker: BrokerAddress;
  /** Topic to publish to. */
  topic: string;
  /** Client name sent in HELLO. @default {"publisher"} */
  clientId?: string;
  /** Sent in HELLO when the broker requires one. */
  token?: string;
  /** Speak TLS to the broker, trusting these CAs; unset speaks plain TCP. */
  tls?: TlsClientConfig;
  /** Messages per batch. @default {DEFAULT_BATCH_SIZE} */
  batchSize?: number;
  /** Longest a partial batch waits before it is sent, ms. @default {DEFAULT_LINGER_MS} */
  lingerMs?: number;
  /** Most unconfirmed batches on the wire. @default {DEFAULT_WINDOW} */
  window?: number;
  /** Most messages held unconfirmed (building, queued, in flight); publish() waits above it. @default {DEFAULT_PUBLISH_BUFFER_MESSAGES} */
  bufferMessages?: number;
  /**
   * Most bytes of batch buffers under sealed, unconfirmed batches (queued or
   * in flight) and kept for reuse; publish() waits above it, as above
   * `bufferMessages`. Bounds the publisher's memory whatever the broker's
   * pace. @default {DEFAULT_BUFFER_BYTES}
   */
  bufferBytes?: number;
  /** Give up when the broker stays unreachable this long, ms; 0 = never. @default {DEFAULT_GIVE_UP_AFTER_MS} */
  giveUpAfterMs?: number;
  /** Where the publisher logs. */
  logger?: Logger;
}

/** Counters of a publisher. */
export interface PublisherCounters {
  /** Messages handed to the publisher. */
  published: number;
  /** Messages the broker confirmed. */
  confirmed: number;
  /** Messages sent again after a reconnect or a refused batch. */
  retried: number;
  /** Batches the broker could not store (disk full…) and that were sent again after a pause. */
  refusals: number;
  /** Batches sent. */
  /** The current pause after the broker refused to store a batch (ERROR 6), ms; 0 when none. */
  storageBackoffMs: number;
  /** Batches sent. */
  batches: number;
  /** Reconnections to the broker. */
  reconnects: number;
}

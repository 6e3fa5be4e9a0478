/**
 * The seam the stream role publishes through. Two implementations: the
 * built-in broker's {@linkcode Publisher} (`src/client/publisher.ts`) and
 * NATS JetStream (`src/client/nats/`). A test injects its own fake.
 *
 * @module
 */

/** What a sink has done so far; updated live. */
export interface SinkCounters {
  /** Messages accepted by {@linkcode Sink.publish}. */
  published: number;
  /** Messages the transport confirmed as stored (a broker PUBLISH_OK, a JetStream ack). */
  confirmed: number;
  /** Messages sent again after a lost or refused confirm. */
  retried: number;
  /** The current pause after the transport refused to store a batch (disk full), ms; 0 or absent: none. */
  storageBackoffMs?: number;
}

/**
 * Where the stream role hands keyed messages. Delivery to the transport is
 * at-least-once: a message counts as confirmed only once the transport holds
 * it as durably as it promises, and unconfirmed messages are resent (the
 * transport deduplicates resends).
 */
export interface Sink {
  /** Publish counters. */
  readonly counters: SinkCounters;
  /**
   * Queues one message; waits while the sink's buffer is full. `payload` may
   * be a view of a reused buffer, valid until the returned promise settles:
   * the sink copies what it keeps.
   *
   * @throws {BrokerUnavailableError} once the sink gave up or was closed
   */
  publish(key: string, payload: Uint8Array): Promise<void>;
  /**
   * Resolves once every message published so far is confirmed.
   *
   * @throws {BrokerUnavailableError} when the sink gives up first
   */
  flush(): Promise<void>;
  /** Stops without waiting for confirms; a publish waiting for room rejects. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Where a producer's batch numbering stands: its id and the last sequence it
 * sealed per partition. A sink opened again with the same state numbers the
 * same batches the same way, so the transport drops the ones it already
 * stored (a resumed stream's replay).
 */
export interface ProducerState {
  /** The producer id: a decimal integer for the gputel broker, a name for JetStream. */
  id: string;
  /** Last sequence sealed, per partition. */
  sequences: number[];
}

/** A {@linkcode Sink} whose batch numbering can be saved and restored (see {@linkcode ProducerState}). */
export interface ResumableSink extends Sink {
  /** The producer id and the last sequence sealed per partition, now. */
  producer(): ProducerState;
}

/** How a resumable sink seals and numbers its batches. */
export interface ResumableSinkOptions {
  /** Continue this producer's numbering instead of starting a fresh producer. */
  producer?: ProducerState;
  /**
   * Seal a partial batch after the linger time. `false` seals a batch only
   * when it is full and at `flush()`, so the same messages, published and
   * flushed at the same points, always make the same batches. @default {true}
   */
  autoSeal?: boolean;
}

/**
 * Options of the collector ({@linkcode CollectorOptions}), apart from the
 * collector itself so that the CLI's flag table reads their defaults without
 * loading the collector.
 *
 * @module
 */
import type { BrokerAddress } from "../client/link.ts";
import type { Source } from "../client/source.ts";
import type { TlsClientConfig } from "../net/tls.ts";
import type { Logger } from "../obs/log.ts";

/** Default {@linkcode CollectorOptions.workers}: group members (subscriber connections) per collector. */
export const DEFAULT_COLLECTOR_WORKERS = 4;

/** Options of `Collector.open`. */
export interface CollectorOptions {
  /** The gputel broker; required unless `connect` is given. */
  broker?: BrokerAddress;
  /** Topic to consume. @default {DEFAULT_TOPIC} */
  topic?: string;
  /** Consumer group to join. @default {DEFAULT_GROUP} */
  group?: string;
  /** Subscriber connections (group members) in this process. @default {DEFAULT_COLLECTOR_WORKERS} */
  workers?: number;
  /** Root data dir; this collector writes under `<dataDir>/<id>/`. */
  dataDir: string;
  /** Collector id, unique per data dir. */
  id: string;
  /** Records kept in memory per GPU. @default {DEFAULT_MAX_ENTRIES} */
  maxEntries?: number;
  /** Most messages one store round (group commit) takes. @default {DEFAULT_ROUND_MESSAGES} */
  roundMessages?: number;
  /** Most payload bytes one store round takes. @default {DEFAULT_ROUND_BYTES} */
  roundBytes?: number;
  /** Most bytes of records kept in memory. @default {DEFAULT_MAX_MEMORY} */
  maxMemory?: number;
  /** fdatasync each round's journal entry, and the JSONL files before each checkpoint. @default {DEFAULT_FSYNC} */
  fsync?: boolean;
  /** Sent to the broker in HELLO. */
  token?: string;
  /** Speak TLS to the broker, trusting these CAs. */
  brokerTls?: TlsClientConfig;
  /** Opens group member `i` (the JetStream transport, a fake). @default `Subscriber.connect` to `broker` */
  connect?: (i: number) => Promise<Source>;
  /** Where the collector logs. */
  logger: Logger;
  /**
   * Aborting makes the group members still trying to reach the broker give
   * up, so that `Collector.join` returns (with them closed).
   */
  signal?: AbortSignal;
}

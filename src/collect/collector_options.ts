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

/** Options of `Collector.open`. */
export interface CollectorOptions {
  /** The gputel broker; required unless `connect` is given. */
  broker?: BrokerAddress;
  /** Topic to consume. @default {"telemetry"} */
  topic?: string;
  /** Consumer group to join. @default {"collectors"} */
  group?: string;
  /** Subscriber connections (group members) in this process. @default {4} */
  workers?: number;
  /** Root data dir; this collector writes under `<dataDir>/<id>/`. */
  dataDir: string;
  /** Collector id, unique per data dir. */
  id: string;
  /** Records kept in memory per GPU. @default {1000} */
  maxEntries?: number;
  /** Most messages one store round (group commit) takes. @default {50000} */
  roundMessages?: number;
  /** Most payload bytes one store round takes. @default {16777216} */
  roundBytes?: number;
  /** Most bytes of records kept in memory. */
  maxMemory?: number;
  /** fdatasync each round's journal entry, and the JSONL files before each checkpoint. @default {true} */
  fsync?: boolean;
  /** Sent to the broker in HELLO. */
  token?: string;
  /** Speak TLS to the broker, trusting these CAs. */
  brokerTls?: TlsClientConfig;
  /** Opens group member `i` (the JetStream transport, a fake). @default `Subscriber.connect` to `broker` */
  connect?: (i: number) => Promise<Source>;
  /** Where the collector logs. */
  logger: Logger;
}

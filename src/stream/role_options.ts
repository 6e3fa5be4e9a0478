/**
 * Options, defaults and result of the stream role ({@linkcode runStream} in
 * `role.ts`), and the check of the options.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { BrokerAddress } from "../client/link.ts";
import type { ResumableSinkOptions, Sink } from "../client/sink.ts";
import type { TlsClientConfig } from "../net/tls.ts";
import type { Logger } from "../obs/log.ts";
import type { RowFilter, Shard } from "./row_filter.ts";
import type { Sleep } from "./workers.ts";

/** Default {@linkcode StreamRoleOptions.drainTimeoutMs}. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** Default {@linkcode StreamRoleOptions.bufferMessages}. */
export const DEFAULT_BUFFER_MESSAGES = 20_000;
/** Default {@linkcode StreamRoleOptions.rate}: one message per second per worker. */
export const DEFAULT_RATE = 1;
/** Default {@linkcode StreamRoleOptions.workers}. */
export const DEFAULT_WORKERS = 4;
/** Default {@linkcode StreamRoleOptions.loop}: replay the file until stopped. */
export const DEFAULT_LOOP = true;
/** Default {@linkcode StreamRoleOptions.progressMs}. */
export const DEFAULT_PROGRESS_MS = 10_000;

/** What the stream role publishes through: a {@linkcode Sink} (`Publisher`, JetStream, a fake). */
export type StreamPublisher = Sink;

/** Options of {@linkcode runStream}. */
export interface StreamRoleOptions {
  /** Path of the CSV file to stream. */
  csv: string;
  /** The gputel broker; required unless `connect` is given. */
  broker?: BrokerAddress;
  /** Sent to the broker in HELLO when it requires one. */
  token?: string;
  /** Speak TLS to the broker, trusting these CAs. */
  tls?: TlsClientConfig;
  /** Topic to publish to. @default {DEFAULT_TOPIC} */
  topic?: string;
  /** Rate-limited senders sharing the file. @default {DEFAULT_WORKERS} */
  workers?: number;
  /** Messages/s per worker; 0 = as fast as the broker accepts. @default {DEFAULT_RATE} */
  rate?: number;
  /** Stop after this long, ms; 0 = until the file ends (no loop) or the signal. @default {DEFAULT_DURATION_MS} */
  durationMs?: number;
  /** Replay the file forever (not with `follow`). @default {DEFAULT_LOOP} */
  loop?: boolean;
  /**
   * Read the file as it grows (tail -F), across rotation and truncation,
   * until the signal or the duration's end; never loops. @default {false}
   */
  follow?: boolean;
  /** Messages per published batch. @default {DEFAULT_BATCH_SIZE} */
  batchSize?: number;
  /** How long a batch waits for more messages, ms. @default {DEFAULT_LINGER_MS} */
  lingerMs?: number;
  /** Most unconfirmed messages held in memory; reading waits above it. @default {DEFAULT_BUFFER_MESSAGES} */
  bufferMessages?: number;
  /** Column that overrides the GPU key choice. */
  key?: string;
  /** Rows to keep (all when empty). */
  filters?: RowFilter[];
  /** This streamer's share of GPUs (one-based K of N). */
  shard?: Shard;
  /** First bad row is fatal. @default {false} */
  strict?: boolean;
  /**
   * A longer CSV record is a bad row (characters of decoded text: bytes for
   * ASCII). @default {DEFAULT_MAX_RECORD_CHARS}
   */
  maxRecordBytes?: number;
  /** More bad rows than this in a row stop the stream (exit 1). @default {DEFAULT_MAX_BAD_ROWS} */
  maxBadRows?: number;
  /** No progress lines. @default {false} */
  quiet?: boolean;
  /** Progress line interval, ms. @default {DEFAULT_PROGRESS_MS} */
  progressMs?: number;
  /** After stopping, wait this long for outstanding confirms, ms. @default {DEFAULT_DRAIN_TIMEOUT_MS} */
  drainTimeoutMs?: number;
  /** Time source. @default {systemClock} */
  clock?: Clock;
  /** How workers wait for the rate limiter. @default real timers */
  sleep?: Sleep;
  /**
   * Opens the sink (the JetStream transport, a fake), numbering its batches
   * as `options` say. @default `Publisher.connect` to `broker`
   */
  connect?: (options: ResumableSinkOptions) => Promise<StreamPublisher>;
  /** The transport behind `connect`, as the state file names it. @default {"gputel"} */
  transport?: string;
  /**
   * Record the confirmed position in this file and continue there on a
   * restart (not with `loop`; see `resume_keeper.ts`). Batches are then
   * sealed only when full and at the cut made every second.
   */
  state?: string;
  /** Where the role logs. */
  logger: Logger;
  /** Aborting stops reading; outstanding messages are drained. */
  signal?: AbortSignal;
}

/** What a stream run did. */
export interface StreamResult {
  /** Data rows read. */
  rowsRead: number;
  /** Messages published. */
  published: number;
  /** Messages the broker confirmed. */
  confirmed: number;
  /** Messages resent. */
  retried: number;
  /** Rows skipped: malformed, without a GPU key, refused by the collector's rules, or outside --filter/--shard. */
  skipped: number;
  /** Rows that failed to parse. */
  badRows: number;
  /** Rows without a GPU key. */
  noKey: number;
  /** Rows whose message the collector would refuse (too many fields, no metric, …). */
  rejected: number;
  /** Rows dropped by a filter. */
  filtered: number;
  /** Messages made but not confirmed when the run ended (0 on success). */
  unconfirmed: number;
}

/**
 * Refuses options no run can use: no broker and no `connect`, or a count or
 * time out of range.
 *
 * @throws {RangeError} naming the bad option
 */
export function checkStreamOptions(o: StreamRoleOptions): void {
  if (!o.broker && !o.connect) throw new RangeError("broker is required unless connect is given");
  const positive = { bufferMessages: o.bufferMessages, progressMs: o.progressMs };
  for (const [field, v] of Object.entries(positive)) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new RangeError(`${field} must be an integer >= 1, got ${v}`);
    }
  }
  const nonNegative = { durationMs: o.durationMs, drainTimeoutMs: o.drainTimeoutMs };
  for (const [field, v] of Object.entries(nonNegative)) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`${field} must be a finite number >= 0, got ${v}`);
    }
  }
}

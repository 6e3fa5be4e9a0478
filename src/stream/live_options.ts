/**
 * Options, result and constants of the live stream role ({@linkcode runLiveStream}
 * in `live_role.ts`).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { Logger } from "../obs/log.ts";
import type { StreamPublisher, StreamResult } from "./role_options.ts";
import type { RowFilter, Shard } from "./row_filter.ts";
import type { LiveSource } from "./sources/source.ts";

/**
 * Most messages the publisher holds unconfirmed on a live source (or half
 * the buffer, when smaller): a few readings' worth, so that while the broker
 * is away nearly all samples wait in the drop-oldest buffer, where the
 * oldest can give way to the newest.
 */
export const LIVE_PUBLISHER_WINDOW = 256;

/** Options of `runLiveStream`. */
export interface LiveStreamOptions {
  /** An opened source. It is closed when the run ends. */
  source: LiveSource;
  /** Opens the publisher (retrying while the broker is away); reading starts before it resolves. */
  connect: (bufferMessages: number) => Promise<StreamPublisher>;
  /** Most samples held (waiting, in hand, unconfirmed). @default {DEFAULT_BUFFER_MESSAGES} */
  bufferMessages?: number;
  /** Stop after this long, ms; 0 = until the signal. @default {DEFAULT_DURATION_MS} */
  durationMs?: number;
  /** Rows to keep (all when empty). @default {[]} */
  filters?: RowFilter[];
  /** This streamer's share of the GPUs. */
  shard?: Shard;
  /** No progress lines. @default {false} */
  quiet?: boolean;
  /** Interval of progress lines, ms. @default {DEFAULT_PROGRESS_MS} */
  progressMs?: number;
  /** After stopping, wait this long for confirms, ms. @default {DEFAULT_DRAIN_TIMEOUT_MS} */
  drainTimeoutMs?: number;
  /** Time source. @default {systemClock} */
  clock?: Clock;
  /** Where the role logs. */
  logger: Logger;
  /** Aborting stops reading; what was read is drained within `drainTimeoutMs`. */
  signal?: AbortSignal;
}

/** What a live stream run did: `StreamResult` plus the live counters. */
export interface LiveStreamResult extends StreamResult {
  /** Samples dropped (oldest first) because the buffer was full. */
  dropped: number;
  /** The source's own counters (`gpus`, `lost`, `unsupported`, `errors`, `restarts`…). */
  source: Record<string, number>;
}

/**
 * The `stream` role on a live source (`--source nvml`, `nvidia-smi`,
 * `scrape`): reads the GPUs every interval, keys each GPU's sample by its
 * UUID, and publishes it without ever making the reading wait on the broker.
 * Samples wait in a {@linkcode DropOldestBuffer} of `bufferMessages`; while
 * the broker is away they pile up there (and in the publisher, which resends
 * what it had on reconnect); past the buffer the oldest waiting samples are
 * dropped, counted (`dropped=`) and logged once per episode.
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";
import type { Logger } from "../obs/log.ts";
import { DropOldestBuffer } from "./live_buffer.ts";
import { ProgressMeter } from "./progress.ts";
import {
  DEFAULT_BUFFER_MESSAGES,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_PROGRESS_MS,
  settleWithin,
  type StreamPublisher,
  type StreamResult,
} from "./role.ts";
import { inShard, matchesFilters, type RowFilter, type Shard } from "./row_filter.ts";
import { encodeMessage } from "./row_message.ts";
import { fieldNamesProblem, keyProblem, messageBytesProblem } from "../record/limits.ts";
import type { LiveSource } from "./sources/source.ts";

/**
 * Most messages the publisher holds unconfirmed on a live source (or half
 * the buffer, when smaller): a few readings' worth, so that while the broker
 * is away nearly all samples wait in the drop-oldest buffer, where the
 * oldest can give way to the newest.
 */
export const LIVE_PUBLISHER_WINDOW = 256;

/** Samples the collector would refuse are logged this many times, then only counted (`rejected=`). */
const MAX_REJECTIONS_LOGGED = 10;

/** Options of {@linkcode runLiveStream}. */
export interface LiveStreamOptions {
  /** An opened source. It is closed when the run ends. */
  source: LiveSource;
  /** Opens the publisher (retrying while the broker is away); reading starts before it resolves. */
  connect: (bufferMessages: number) => Promise<StreamPublisher>;
  /** Most samples held (waiting, in hand, unconfirmed). @default {DEFAULT_BUFFER_MESSAGES} */
  bufferMessages?: number;
  /** Stop after this long, ms; 0 = until the signal. @default {0} */
  durationMs?: number;
  /** @default {[]} */
  filters?: RowFilter[];
  shard?: Shard;
  /** No progress lines. @default {false} */
  quiet?: boolean;
  /** @default {DEFAULT_PROGRESS_MS} */
  progressMs?: number;
  /** After stopping, wait this long for confirms, ms. @default {DEFAULT_DRAIN_TIMEOUT_MS} */
  drainTimeoutMs?: number;
  /** @default {systemClock} */
  clock?: Clock;
  logger: Logger;
  /** Aborting stops reading; what was read is drained within `drainTimeoutMs`. */
  signal?: AbortSignal;
}

/** What a live stream run did: {@linkcode StreamResult} plus the live counters. */
export interface LiveStreamResult extends StreamResult {
  /** Samples dropped (oldest first) because the buffer was full. */
  dropped: number;
  /** The source's own counters (`gpus`, `lost`, `unsupported`, `errors`, `restarts`…). */
  source: Record<string, number>;
}

interface Pending {
  key: string;
  payload: Uint8Array;
}

/**
 * Runs until the signal or `durationMs`, then drains: every sample read is,
 * at the end, confirmed, counted in `dropped`, or counted in `unconfirmed`
 * (`rowsRead - skipped = confirmed + dropped + unconfirmed`); `skipped` counts
 * samples outside `--filter`/`--shard` and those the collector would refuse
 * (`rejected`: see `src/record/limits.ts`).
 *
 * @throws {RangeError} naming a bad option; what the source throws
 */
export async function runLiveStream(o: LiveStreamOptions): Promise<LiveStreamResult> {
  const capacity = o.bufferMessages ?? DEFAULT_BUFFER_MESSAGES;
  const clock = o.clock ?? systemClock;
  const log = o.logger;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (o.signal?.aborted) stop.abort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });
  const stopped = new Promise<void>((r) => stop.signal.addEventListener("abort", () => r()));
  let pub: StreamPublisher | undefined;
  const buffer = new DropOldestBuffer<Pending>({
    capacity,
    heldElsewhere: () => pub ? pub.counters.published - pub.counters.confirmed : 0,
    onDropStart: () =>
      log.warn(
        `buffer full (${capacity} samples, --buffer): the broker is not taking them; ` +
          "dropping the oldest until it does",
      ),
    onDropEnd: (n) => log.info(`buffer has room again after dropping ${n} samples`),
  });
  const counts = { read: 0, filtered: 0, rejected: 0 };
  const result = (): LiveStreamResult => {
    const published = pub?.counters.published ?? 0;
    const confirmed = pub?.counters.confirmed ?? 0;
    return {
      rowsRead: counts.read,
      published,
      confirmed,
      retried: pub?.counters.retried ?? 0,
      skipped: counts.filtered + counts.rejected,
      badRows: 0,
      noKey: 0,
      rejected: counts.rejected,
      filtered: counts.filtered,
      unconfirmed: published - confirmed + buffer.size,
      dropped: buffer.dropped,
      source: o.source.counters(),
    };
  };

  const reading = (async () => {
    for await (const batch of o.source.samples(stop.signal)) {
      for (const s of batch) {
        counts.read++;
        if (!matchesFilters(s.message.fields, o.filters ?? []) || !inShard(s.key, o.shard)) {
          counts.filtered++;
          continue;
        }
        const payload = encodeMessage(s.message);
        const problem = keyProblem(s.key) ?? fieldNamesProblem(Object.keys(s.message.fields)) ??
          messageBytesProblem(payload.length);
        if (problem !== undefined) {
          // The collector would refuse it: skip it here, counted; the first few are logged.
          if (counts.rejected++ < MAX_REJECTIONS_LOGGED) {
            log.warn(`skipping a sample of ${s.key.slice(0, 100)}: ${problem}`);
          }
          continue;
        }
        buffer.push({ key: s.key, payload });
      }
      if (stop.signal.aborted) break;
    }
  })().finally(() => buffer.close());
  const window = Math.max(1, Math.min(LIVE_PUBLISHER_WINDOW, Math.floor(capacity / 2)));
  let failure: unknown;
  const fail = (e: unknown) => {
    failure ??= e;
    stop.abort();
  };
  const connected = o.connect(window).then((p) => pub = p);
  let giveUp = () => {};
  const gaveUp = new Promise<undefined>((r) => giveUp = () => r(undefined));
  const pumping = (async () => {
    const p = await Promise.race([connected, gaveUp]);
    if (p === undefined) return;
    for (let item = await buffer.take(); item !== undefined; item = await buffer.take()) {
      await p.publish(item.key, item.payload);
      buffer.handed();
    }
  })();
  pumping.catch((e) => {
    if (!stop.signal.aborted) fail(e);
  });

  const meter = new ProgressMeter(clock);
  const progress = (msg: string, r: LiveStreamResult) => {
    if (o.quiet) return;
    const line = meter.sample({ ...r, read: r.rowsRead });
    log.info(msg, {
      ...line,
      rejected: r.rejected,
      dropped: r.dropped,
      buffered: buffer.size,
      ...r.source,
    });
  };
  const ticker = setInterval(
    () => progress("stream progress", result()),
    o.progressMs ?? DEFAULT_PROGRESS_MS,
  );
  const durationMs = o.durationMs ?? 0;
  const durationTimer = durationMs > 0 ? setTimeout(() => stop.abort(), durationMs) : undefined;

  let final: LiveStreamResult | undefined;
  try {
    await Promise.race([reading, stopped]).catch(fail);
    stop.abort();
    await reading.catch(fail);
    if (failure === undefined) {
      const drainMs = o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
      const drained = pumping.then(() => pub?.flush());
      const what = await settleWithin(drained, Promise.resolve(), drainMs);
      if (what === "timeout") {
        log.error(`stopped waiting for confirms after ${drainMs} ms (--drain-timeout)`);
      } else if (what instanceof Error) {
        log.error(`could not confirm every sample: ${what.message}`);
      }
    }
  } finally {
    clearInterval(ticker);
    clearTimeout(durationTimer);
    o.signal?.removeEventListener("abort", onAbort);
    stop.abort();
    giveUp();
    final = result();
    await pub?.close();
    await pumping.catch(() => {});
    await o.source.close();
    if (failure === undefined) {
      progress("stream finished", final);
      if (final.unconfirmed > 0) {
        log.error(`${final.unconfirmed} samples were not confirmed by the broker`, {
          unconfirmed: final.unconfirmed,
        });
      }
    }
  }
  if (failure !== undefined) throw failure;
  return final;
}

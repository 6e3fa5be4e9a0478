/**
 * The `stream` role: reads a CSV (once or looping), turns each row into a
 * telemetry message keyed by its GPU, and publishes through one
 * {@linkcode Publisher} at `rate` messages/s per worker. Every worker stamps
 * and hands over its messages synchronously, so one GPU's messages enter the
 * publisher, the broker and the collector's file in timestamp order.
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";
import type { BrokerAddress } from "../client/link.ts";
import { Publisher } from "../client/publisher.ts";
import type { Logger } from "../obs/log.ts";
import type { BadRow } from "./csv_errors.ts";
import type { CsvRow } from "./csv_rows.ts";
import { RateLimiter } from "./rate_limiter.ts";
import { inShard, matchesFilters, type RowFilter, type Shard } from "./row_filter.ts";
import { encodeMessage, rowToMessage } from "./row_message.ts";
import { csvRowSource } from "./row_source.ts";

/** Options of {@linkcode runStream}. */
export interface StreamRoleOptions {
  csv: string;
  broker: BrokerAddress;
  /** @default {"telemetry"} */
  topic?: string;
  /** Rate-limited senders sharing the file. @default {4} */
  workers?: number;
  /** Messages/s per worker; 0 = as fast as the broker accepts. @default {1} */
  rate?: number;
  /** Stop after this long, ms; 0 = until the file ends (no loop) or the signal. @default {0} */
  durationMs?: number;
  /** Replay the file forever. @default {true} */
  loop?: boolean;
  /** Messages per published batch. @default {500} */
  batch?: number;
  /** @default {5} */
  lingerMs?: number;
  /** Column that overrides the GPU key choice. */
  key?: string;
  filters?: RowFilter[];
  /** This streamer's share of GPUs (one-based K of N). */
  shard?: Shard;
  /** First bad row is fatal. @default {false} */
  strict?: boolean;
  /** No progress lines. @default {false} */
  quiet?: boolean;
  /** Progress line interval, ms. @default {10000} */
  progressMs?: number;
  /** After stopping, wait this long for outstanding confirms, ms. @default {10000} */
  drainTimeoutMs?: number;
  clock?: Clock;
  logger: Logger;
  /** Aborting stops reading; outstanding messages are drained. */
  signal?: AbortSignal;
}

/** What a stream run did. */
export interface StreamResult {
  rowsRead: number;
  published: number;
  confirmed: number;
  retried: number;
  /** Rows skipped: malformed, without a GPU key, or outside --filter/--shard. */
  skipped: number;
  badRows: number;
  noKey: number;
  filtered: number;
  /** Published but not confirmed when the run ended (0 on success). */
  unconfirmed: number;
}

/**
 * Runs the streamer until the file ends (`loop: false`), the duration passes,
 * or the signal aborts; then waits for confirms.
 *
 * @throws {CsvRowError} in strict mode; file errors; {@linkcode BrokerUnavailableError}
 */
export async function runStream(o: StreamRoleOptions): Promise<StreamResult> {
  const clock = o.clock ?? systemClock;
  const log = o.logger;
  const rate = o.rate ?? 1;
  const workers = o.workers ?? 4;
  const stop = new AbortController();
  o.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  const durationTimer = (o.durationMs ?? 0) > 0
    ? setTimeout(() => stop.abort(), o.durationMs)
    : undefined;
  const r = { rowsRead: 0, badRows: 0, noKey: 0, filtered: 0 };
  const pub = await Publisher.connect({
    broker: o.broker,
    topic: o.topic ?? "telemetry",
    clientId: "stream",
    batchSize: o.batch ?? 500,
    lingerMs: o.lingerMs ?? 5,
    logger: log,
  });
  const rows = csvRowSource(o.csv, {
    loop: o.loop ?? true,
    strict: o.strict,
    onBadRow: (bad: BadRow) => {
      r.badRows++;
      log.warn(`skipping ${o.csv} line ${bad.line}: ${describeBadRow(bad)}`);
    },
    onPass: (pass) => pass > 1 && log.debug("looping over the file", { pass }),
  });
  const started = clock.now();
  let lastProgress = { at: started, published: 0 };
  const progress = (final: boolean) => {
    if (o.quiet) return;
    const now = clock.now();
    const rateNow = ((pub.counters.published - lastProgress.published) * 1000) /
      Math.max(1, now - lastProgress.at);
    lastProgress = { at: now, published: pub.counters.published };
    log.info(final ? "stream finished" : "stream progress", {
      read: r.rowsRead,
      published: pub.counters.published,
      confirmed: pub.counters.confirmed,
      retried: pub.counters.retried,
      skipped: r.badRows + r.noKey + r.filtered,
      rate: `${Math.round(rateNow)}/s`,
    });
  };
  const ticker = setInterval(() => progress(false), o.progressMs ?? 10_000);

  // Rows are pulled from one shared iterator, `chunk` at a time per worker.
  const chunk = rate === 0 ? 256 : Math.max(1, Math.min(1000, Math.floor(rate / 100)));
  let exhausted = false;
  const pull = async (n: number): Promise<CsvRow[]> => {
    const out: CsvRow[] = [];
    while (out.length < n && !exhausted) {
      const next = await rows.next();
      if (next.done) exhausted = true;
      else out.push(next.value);
    }
    return out;
  };
  let readChain: Promise<unknown> = Promise.resolve();
  const pullSerial = (n: number) => {
    const p = readChain.then(() => pull(n));
    readChain = p.catch(() => {});
    return p;
  };

  const worker = async () => {
    const limiter = new RateLimiter({ rate, clock });
    while (!stop.signal.aborted && !exhausted) {
      const batch = await pullSerial(chunk);
      if (batch.length === 0) break;
      const wait = limiter.reserve(batch.length);
      if (wait > 0) await sleep(wait, stop.signal);
      if (stop.signal.aborted) break;
      for (const row of batch) {
        r.rowsRead++;
        if (!matchesFilters(row.fields, o.filters ?? [])) {
          r.filtered++;
          continue;
        }
        const keyed = rowToMessage(row.fields, { clock, keyColumn: o.key });
        if (!keyed) {
          r.noKey++;
          continue;
        }
        if (!inShard(keyed.key, o.shard)) {
          r.filtered++;
          continue;
        }
        await pub.publish(keyed.key, encodeMessage(keyed.message));
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    clearTimeout(durationTimer);
    await rows.return(undefined);
  }
  try {
    await withTimeout(pub.flush(), o.drainTimeoutMs ?? 10_000);
  } catch (err) {
    log.error(`could not confirm every message: ${(err as Error).message}`);
  } finally {
    clearInterval(ticker);
  }
  progress(true);
  const result: StreamResult = {
    ...r,
    published: pub.counters.published,
    confirmed: pub.counters.confirmed,
    retried: pub.counters.retried,
    skipped: r.badRows + r.noKey + r.filtered,
    unconfirmed: pub.unconfirmed,
  };
  await pub.close();
  return result;
}

function describeBadRow(bad: BadRow): string {
  return "expected" in bad && "got" in bad
    ? `expected ${(bad as { expected: number }).expected} fields, got ${
      (bad as { got: number }).got
    }`
    : JSON.stringify(bad);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

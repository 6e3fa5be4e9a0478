/**
 * `--source scrape`: GETs a dcgm-exporter `/metrics` page (or anything in its
 * scheme) once per interval and turns it into one sample per GPU. A target
 * that is down, slow (timeout = the interval), too big (16 MiB), truncated
 * or not Prometheus text is retried with backoff and counted; it never stops
 * the streamer.
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import { backoffDelay } from "../../client/backoff.ts";
import type { Logger } from "../../obs/log.ts";
import { abortableSleep, type Sleep } from "../workers.ts";
import { FieldIssues } from "./field_issues.ts";
import { pollEvery } from "./poll.ts";
import { samplesFromScrape } from "./scrape_text.ts";
import type { LiveSample, LiveSource } from "./source.ts";

/** Largest scrape body read, bytes. */
export const MAX_SCRAPE_BYTES = 16 * 1024 * 1024;

/** Options of {@linkcode ScrapeSource}. */
export interface ScrapeSourceOptions {
  /** The `/metrics` URL. */
  url: string;
  /** Time between scrapes, and each scrape's timeout, ms. */
  intervalMs: number;
  /** `Hostname` label for samples without one. */
  hostname: string;
  /** Time source of the samples. */
  clock: Clock;
  /** Waits between scrapes. @default {abortableSleep} */
  sleep?: Sleep;
  /** Where the source logs. */
  logger: Logger;
  /** Largest scrape body read, bytes. @default {MAX_SCRAPE_BYTES} */
  maxBytes?: number;
}

/** Why a scrape gave nothing. */
class ScrapeFailure extends Error {}

/** Scrapes a dcgm-exporter. */
export class ScrapeSource implements LiveSource {
  readonly name = "scrape";
  readonly #o: ScrapeSourceOptions;
  readonly #issues: FieldIssues;
  readonly #gpus = new Set<string>();
  #counts = { scrapes: 0, scrape_errors: 0, late: 0 };
  #failures = 0;
  #retryAt = 0;
  #inflight: AbortController | undefined;

  /**
   * Creates the source; nothing is scraped until it is read.
   * @param o the URL, interval and where to log
   */
  constructor(o: ScrapeSourceOptions) {
    this.#o = o;
    this.#issues = new FieldIssues(o.logger);
  }

  /** One scrape per interval (fewer while backing off from failures), until `signal` aborts. */
  samples(signal: AbortSignal): AsyncIterable<LiveSample[]> {
    return pollEvery(() => this.read(), {
      intervalMs: this.#o.intervalMs,
      clock: this.#o.clock,
      sleep: this.#o.sleep ?? abortableSleep,
      onLate: (n) => this.#counts.late += n,
    }, signal);
  }

  /** Scrapes once; `[]` when the target failed (counted, logged once per run of failures) or is backed off. */
  async read(): Promise<LiveSample[]> {
    const o = this.#o;
    if (o.clock.now() < this.#retryAt) return [];
    this.#counts.scrapes++;
    try {
      const text = await this.#get();
      const samples = samplesFromScrape(text, {
        hostname: o.hostname,
        timestamp: new Date(o.clock.now()).toISOString(),
        issues: this.#issues,
      });
      if (samples.length === 0) {
        throw new ScrapeFailure("no sample with a UUID label (is it dcgm-exporter?)");
      }
      for (const s of samples) this.#gpus.add(s.key);
      if (this.#failures > 0) {
        o.logger.info(`${o.url} answers again after ${this.#failures} failed scrapes`);
        this.#failures = 0;
      }
      return samples;
    } catch (err) {
      this.#counts.scrape_errors++;
      const delay = backoffDelay(this.#failures++, {
        initialMs: o.intervalMs,
        maxMs: Math.max(30_000, o.intervalMs),
      });
      this.#retryAt = o.clock.now() + delay;
      if (this.#failures === 1) {
        o.logger.warn(`scraping ${o.url} failed: ${(err as Error).message}; retrying with backoff`);
      }
      return [];
    }
  }

  /** `gpus` (seen), `scrapes`, `scrape_errors`, `unsupported` (blank values per GPU and field), `late`. */
  counters(): Record<string, number> {
    return { gpus: this.#gpus.size, ...this.#counts, unsupported: this.#issues.unsupported };
  }

  /** Cancels a scrape in flight. Safe to call twice. */
  close(): Promise<void> {
    this.#inflight?.abort();
    return Promise.resolve();
  }

  async #get(): Promise<string> {
    const o = this.#o;
    const ctl = new AbortController();
    this.#inflight = ctl;
    const timer = setTimeout(
      () => ctl.abort(new ScrapeFailure(`no answer within ${o.intervalMs} ms`)),
      o.intervalMs,
    );
    try {
      const res = await fetch(o.url, { signal: ctl.signal, headers: { accept: "text/plain" } });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new ScrapeFailure(`HTTP ${res.status}`);
      }
      const text = await readLimited(res, o.maxBytes ?? MAX_SCRAPE_BYTES);
      if (text.length > 0 && !text.endsWith("\n")) {
        throw new ScrapeFailure("truncated body (no final newline)");
      }
      return text;
    } catch (err) {
      if (ctl.signal.aborted && ctl.signal.reason instanceof ScrapeFailure) throw ctl.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      this.#inflight = undefined;
    }
  }
}

async function readLimited(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw new ScrapeFailure(`body of ${declared} bytes is over the ${max}-byte limit`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body ?? new ReadableStream<Uint8Array>()) {
    total += chunk.length;
    if (total > max) throw new ScrapeFailure(`body is over the ${max}-byte limit`);
    chunks.push(chunk);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

/**
 * One run of the live stream role (`runLiveStream`'s state): a
 * reading loop that admits samples into the drop-oldest buffer, a pump that
 * hands them to the sink once it is connected, progress lines, and the drain
 * at the end.
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";
import type { Logger } from "../obs/log.ts";
import { fieldNamesProblem, keyProblem, messageBytesProblem } from "../record/limits.ts";
import { DropOldestBuffer } from "./live_buffer.ts";
import {
  LIVE_PUBLISHER_WINDOW,
  type LiveStreamOptions,
  type LiveStreamResult,
} from "./live_options.ts";
import { ProgressMeter } from "./progress.ts";
import {
  DEFAULT_BUFFER_MESSAGES,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_PROGRESS_MS,
  type StreamPublisher,
} from "./role_options.ts";
import { inShard, matchesFilters } from "./row_filter.ts";
import { settleWithin } from "./settle.ts";
import { DEFAULT_DURATION_MS } from "./workers.ts";
import { encodeMessage } from "./row_message.ts";
import type { LiveSample } from "./sources/source.ts";

/** Samples the collector would refuse are logged this many times, then only counted (`rejected=`). */
const MAX_REJECTIONS_LOGGED = 10;

interface Pending {
  key: string;
  payload: Uint8Array;
}

/** The state of one live run; {@linkcode LiveRun.run} once. */
export class LiveRun {
  readonly #o: LiveStreamOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #stop = new AbortController();
  readonly #buffer: DropOldestBuffer<Pending>;
  readonly #counts = { read: 0, filtered: 0, rejected: 0 };
  #pub: StreamPublisher | undefined;
  #failure: unknown;
  #finished = false;

  /**
   * Creates the run; nothing is read until it starts.
   * @param o the options of `runLiveStream`
   */
  constructor(o: LiveStreamOptions) {
    this.#o = o;
    this.#log = o.logger;
    this.#clock = o.clock ?? systemClock;
    const capacity = this.#capacity = o.bufferMessages ?? DEFAULT_BUFFER_MESSAGES;
    this.#buffer = new DropOldestBuffer<Pending>({
      capacity,
      heldElsewhere: () =>
        this.#pub ? this.#pub.counters.published - this.#pub.counters.confirmed : 0,
      onDropStart: () =>
        this.#log.warn(
          `buffer full (${capacity} samples, --buffer): the broker is not taking them; ` +
            "dropping the oldest until it does",
        ),
      onDropEnd: (n) => this.#log.info(`buffer has room again after dropping ${n} samples`),
    });
  }

  /** Runs until the signal or the duration, drains, and answers the totals. */
  async run(): Promise<LiveStreamResult> {
    const o = this.#o;
    const stop = this.#stop;
    const onAbort = () => stop.abort();
    if (o.signal?.aborted) stop.abort();
    else o.signal?.addEventListener("abort", onAbort, { once: true });
    const stopped = new Promise<void>((r) => stop.signal.addEventListener("abort", () => r()));
    const reading = this.#read().finally(() => this.#buffer.close());
    const window = Math.max(1, Math.min(LIVE_PUBLISHER_WINDOW, Math.floor(this.#capacity / 2)));
    const connected = o.connect(window).then((p) => {
      if (this.#finished) void p.close(); // connected after the run gave up on it
      else this.#pub = p;
      return p;
    });
    let giveUp = () => {};
    const gaveUp = new Promise<undefined>((r) => giveUp = () => r(undefined));
    const pumping = this.#pump(Promise.race([connected, gaveUp]));
    pumping.catch((e) => {
      if (!stop.signal.aborted) this.#fail(e);
    });
    const meter = new ProgressMeter(this.#clock);
    const ticker = setInterval(
      () => this.#progress(meter, "stream progress", this.#result()),
      o.progressMs ?? DEFAULT_PROGRESS_MS,
    );
    const durationMs = o.durationMs ?? DEFAULT_DURATION_MS;
    const timer = durationMs > 0 ? setTimeout(() => stop.abort(), durationMs) : undefined;
    let final: LiveStreamResult;
    try {
      await Promise.race([reading, stopped]).catch((e) => this.#fail(e));
      stop.abort();
      await reading.catch((e) => this.#fail(e));
      if (this.#failure === undefined) await this.#drain(pumping);
    } finally {
      clearInterval(ticker);
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      stop.abort();
      this.#finished = true;
      giveUp();
      final = this.#result();
      await this.#pub?.close();
      await pumping.catch(() => {});
      await o.source.close();
    }
    if (this.#failure !== undefined) throw this.#failure;
    this.#progress(meter, "stream finished", final);
    if (final.unconfirmed > 0) {
      this.#log.error(`${final.unconfirmed} samples were not confirmed by the broker`, {
        unconfirmed: final.unconfirmed,
      });
    }
    return final;
  }

  #fail(e: unknown): void {
    this.#failure ??= e;
    this.#stop.abort();
  }

  async #read(): Promise<void> {
    for await (const batch of this.#o.source.samples(this.#stop.signal)) {
      for (const s of batch) this.#admit(s);
      if (this.#stop.signal.aborted) break;
    }
  }

  // Counts a sample and puts it in the buffer, unless --filter/--shard leave
  // it out or the collector would refuse it.
  #admit(s: LiveSample): void {
    const c = this.#counts;
    c.read++;
    if (
      !matchesFilters(s.message.fields, this.#o.filters ?? []) || !inShard(s.key, this.#o.shard)
    ) {
      c.filtered++;
      return;
    }
    const payload = encodeMessage(s.message);
    const problem = keyProblem(s.key) ?? fieldNamesProblem(Object.keys(s.message.fields)) ??
      messageBytesProblem(payload.length);
    if (problem !== undefined) {
      if (c.rejected++ < MAX_REJECTIONS_LOGGED) {
        this.#log.warn(`skipping a sample of ${s.key.slice(0, 100)}: ${problem}`);
      }
      return;
    }
    this.#buffer.push({ key: s.key, payload });
  }

  async #pump(sink: Promise<StreamPublisher | undefined>): Promise<void> {
    const p = await sink;
    if (p === undefined) return;
    const buffer = this.#buffer;
    for (let item = await buffer.take(); item !== undefined; item = await buffer.take()) {
      await p.publish(item.key, item.payload);
      buffer.handed();
    }
  }

  async #drain(pumping: Promise<void>): Promise<void> {
    const drainMs = this.#o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    const drained = pumping.then(() => this.#pub?.flush());
    const what = await settleWithin(drained, Promise.resolve(), drainMs);
    if (what === "timeout") {
      this.#log.error(`stopped waiting for confirms after ${drainMs} ms (--drain-timeout)`);
    } else if (what instanceof Error) {
      this.#log.error(`could not confirm every sample: ${what.message}`);
    }
  }

  #result(): LiveStreamResult {
    const pub = this.#pub;
    const c = this.#counts;
    const published = pub?.counters.published ?? 0;
    const confirmed = pub?.counters.confirmed ?? 0;
    return {
      rowsRead: c.read,
      published,
      confirmed,
      retried: pub?.counters.retried ?? 0,
      skipped: c.filtered + c.rejected,
      badRows: 0,
      noKey: 0,
      rejected: c.rejected,
      filtered: c.filtered,
      unconfirmed: published - confirmed + this.#buffer.size,
      dropped: this.#buffer.dropped,
      source: this.#o.source.counters(),
    };
  }

  #progress(meter: ProgressMeter, msg: string, r: LiveStreamResult): void {
    if (this.#o.quiet) return;
    const line = meter.sample({ ...r, read: r.rowsRead });
    this.#log.info(msg, {
      ...line,
      rejected: r.rejected,
      dropped: r.dropped,
      buffered: this.#buffer.size,
      ...r.source,
    });
  }
}

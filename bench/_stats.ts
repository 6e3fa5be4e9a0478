/**
 * Small helpers shared by the benchmark processes: percentiles, a latency
 * stamp inside payloads, and the one-line JSON report each client prints.
 *
 * @module
 */

import { setImmediate } from "node:timers";

/**
 * Lets the event loop run (sockets get written) before the caller goes on.
 * Publishing loops call it every {@linkcode YIELD_EVERY} messages, as any
 * real producer reading a file or socket does, so that no client buffers a
 * whole run before its first write.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Messages a benchmark publisher produces between two {@linkcode yieldToEventLoop}
 * (the NATS core publisher flushes instead, see nats_client.ts).
 */
export const YIELD_EVERY = 4096;

/** Epoch time in ms with sub-ms precision, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Writes the send time into the first 8 bytes of a payload. */
export function stamp(payload: Uint8Array): void {
  new DataView(payload.buffer, payload.byteOffset, 8).setFloat64(0, nowMs());
}

/** Reads the send time written by {@linkcode stamp}. */
export function stampOf(payload: Uint8Array): number {
  return stampAt(payload, 0);
}

let stampView: DataView | undefined;
/** Reads the send time written by {@linkcode stamp} into the payload at `bytes[at]`. */
export function stampAt(bytes: Uint8Array, at: number): number {
  // One view per buffer: a batch's payloads share it.
  if (stampView?.buffer !== bytes.buffer) stampView = new DataView(bytes.buffer);
  return stampView.getFloat64(bytes.byteOffset + at);
}

/** The p-th percentile (0–100) of a list, by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** What a benchmark client process reports (printed as one JSON line on stdout). */
export interface ClientReport {
  role: "pub" | "sub";
  messages: number;
  /** Epoch ms when the first message was sent / received. */
  start: number;
  /** Epoch ms when the last message was confirmed / received. */
  end: number;
  /** Sampled publish→deliver latencies, ms (subscribers only). */
  latencies?: number[];
}

/** A subscriber's report: `messages` received from `start` to `end`, with its latency samples. */
export function subReport(
  messages: number,
  start: number,
  end: number,
  sampler: LatencySampler,
): ClientReport {
  return { role: "sub", messages, start, end, latencies: sampler.samples };
}

/** Keeps at most `max` latency samples, evenly from the whole run. */
export class LatencySampler {
  readonly samples: number[] = [];
  #every: number;
  #n = 0;

  /** @param expected messages expected; @param max samples kept */
  constructor(expected: number, max = 20_000) {
    this.#every = Math.max(1, Math.floor(expected / max));
  }

  /** Offers one latency. */
  add(ms: number): void {
    if (this.#n++ % this.#every === 0) this.samples.push(ms);
  }
}

/** Reads a flag value from Deno.args-like arrays: `--name value`. */
export function arg(args: string[], name: string, fallback?: string): string {
  const i = args.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < args.length) return args[i + 1];
  if (fallback === undefined) throw new Error(`missing --${name}`);
  return fallback;
}

/**
 * How late this process's event loop runs a timer: a probe every `everyMs`
 * records how far past its due time it fired. A late timer is a late socket
 * read or fsync completion too (GC, a long task, or the process waiting for
 * a core), so a latency tail that lines up with this one is scheduling, not
 * the path under test.
 */
export class LoopLag {
  /** Lateness of each probe, ms. */
  readonly samples: number[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #everyMs: number;

  /** Starts probing every `everyMs` (5 ms: 200 wakeups a second, cheap beside 10k messages). */
  constructor(everyMs = 5) {
    this.#everyMs = everyMs;
    this.#arm();
  }

  #arm(): void {
    const due = performance.now() + this.#everyMs;
    this.#timer = setTimeout(() => {
      this.samples.push(performance.now() - due);
      this.#arm();
    }, this.#everyMs);
  }

  /** Stops probing; returns the samples. */
  stop(): number[] {
    clearTimeout(this.#timer);
    return this.samples;
  }
}

/** The sequence number and send stamp (epoch ms) of a paced-latency message (`{…,"fields":{…,"seq":N,"sent":T}}`). */
export function pacedFields(payload: Uint8Array): { seq: number; sent: number } {
  return JSON.parse(latencyDecoder.decode(payload)).fields;
}
const latencyDecoder = new TextDecoder();

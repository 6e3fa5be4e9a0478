/**
 * Composition of the stream role on a live source: opens the source named
 * by `--source` (a source that cannot start is a usage error naming its
 * flag), then either prints one reading (`--once`) or runs
 * {@linkcode runLiveStream} into the broker.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import type { TlsClientConfig } from "../net/tls.ts";
import type { Sink } from "../client/sink.ts";
import type { LiveStreamResult } from "../stream/live_role.ts";
import type { LiveSource } from "../stream/sources/source.ts";
import { UsageError } from "./errors.ts";
import type { GputelOptions, HostPort } from "./options.ts";

/**
 * Opens the live source `o.source`.
 *
 * @throws {UsageError} naming the flag when the source cannot start
 */
export async function openLiveSource(o: GputelOptions, logger: Logger): Promise<LiveSource> {
  const { SourceUnavailableError } = await import("../stream/sources/source.ts");
  try {
    switch (o.source) {
      case "nvml": {
        const { NvmlSource } = await import("../stream/sources/nvml.ts");
        return NvmlSource.open({
          lib: o.nvmlLib,
          hostname: o.hostname,
          intervalMs: o.intervalMs,
          clock: { now: () => Date.now() },
          logger,
        });
      }
      case "nvidia-smi": {
        const { NvidiaSmiSource } = await import("../stream/sources/nvidia_smi.ts");
        return await NvidiaSmiSource.open({
          program: o.nvidiaSmi,
          intervalMs: o.intervalMs,
          hostname: o.hostname,
          clock: { now: () => Date.now() },
          logger,
          once: o.once,
        });
      }
      case "scrape": {
        const { ScrapeSource } = await import("../stream/sources/scrape.ts");
        return new ScrapeSource({
          url: o.url!,
          intervalMs: o.intervalMs,
          hostname: o.hostname,
          clock: { now: () => Date.now() },
          logger,
        });
      }
      default:
        throw new UsageError(`--source ${o.source} is not a live source`);
    }
  } catch (err) {
    if (err instanceof SourceUnavailableError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

/**
 * Prints the first reading of `source`, one JSON message per GPU and line, and closes it.
 *
 * @param write where each line goes @default console.log
 * @returns how many lines it printed
 * @throws {Error} when the first reading has no GPU (e.g. the scrape target is down)
 */
export async function printOneReading(
  source: LiveSource,
  write: (line: string) => void = console.log,
): Promise<number> {
  const stop = new AbortController();
  let n = 0;
  try {
    for await (const batch of source.samples(stop.signal)) {
      for (const s of batch) write(JSON.stringify(s.message));
      n = batch.length;
      break;
    }
  } finally {
    stop.abort();
    await source.close();
  }
  if (n === 0) {
    throw new Error(`--once: --source ${source.name} gave no reading (see the log above)`);
  }
  return n;
}

/** What {@linkcode runLive} connects with. */
export interface LiveConnection {
  /** The gputel broker; unused when `sink` is given. */
  broker?: HostPort;
  /** Opens another transport's sink (`--broker nats://…`). */
  sink?: (bufferMessages: number) => Promise<Sink>;
  /** Broker token, if any. */
  token?: string;
  /** TLS settings, if any. */
  tls?: TlsClientConfig;
}

/**
 * Runs the stream role on `o.source` until `signal` (or `--duration`).
 *
 * @throws {UsageError} when the source cannot start
 */
export async function runLive(
  o: GputelOptions,
  conn: LiveConnection,
  logger: Logger,
  signal: AbortSignal,
): Promise<LiveStreamResult | undefined> {
  const source = await openLiveSource(o, logger);
  if (o.once) {
    await printOneReading(source);
    return undefined;
  }
  const { runLiveStream } = await import("../stream/live_role.ts");
  const { Publisher } = await import("../client/publisher.ts");
  return await runLiveStream({
    source,
    connect: conn.sink ?? ((bufferMessages) =>
      Publisher.connect({
        broker: conn.broker!,
        topic: o.topic,
        clientId: "stream",
        token: conn.token,
        tls: conn.tls,
        batchSize: o.batchSize,
        lingerMs: o.lingerMs,
        bufferMessages,
        logger,
      })),
    bufferMessages: o.bufferMessages,
    durationMs: o.durationMs,
    filters: o.filters,
    shard: o.shard,
    quiet: o.quiet,
    drainTimeoutMs: o.drainTimeoutMs,
    logger,
    signal,
  });
}

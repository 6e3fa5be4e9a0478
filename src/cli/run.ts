/**
 * Starts the roles of a parsed command line in one process (broker first,
 * then collect, then stream), wires them together and stops them in reverse
 * order on the signal.
 *
 * @module
 */
// Roles are loaded on demand (dynamic import below): a stream-only process
// on a GPU host then never loads hono, zod or the broker, which keeps its
// memory small.
import type { ApiRole } from "../api/role.ts";
import type { FederatedApiRole } from "../api/federation/role.ts";
import type { BrokerRole } from "../broker/role.ts";
import type { CollectRole } from "../roles/collect.ts";
import type { Logger } from "../obs/log.ts";
import type { StreamResult } from "../stream/role.ts";
import { isLoopbackHost } from "../net/token.ts";
import type { CliRun } from "./parse.ts";
import { loadRunSecrets } from "./secrets.ts";
import { isNats } from "./flags_nats.ts";
import { join } from "node:path";

/** The demo's default --rate per worker: the sample's 1,920 rows pass in about 10 s. */
export const DEMO_RATE = 50;

/** What a finished run reports back to main. */
export interface RunOutcome {
  /** Process exit code: 0 on success. */
  code: number;
  /** Outcome of the stream role, when one ran. */
  stream?: StreamResult;
}

/**
 * Runs the roles until `signal` aborts (or, for a stream-only process, until
 * the stream ends).
 *
 * @throws {StoreLockedError} when a collector's dir is held by another process
 * @throws {UsageError} when a token or TLS file cannot be read (naming the flag)
 */
export async function runRoles(
  run: CliRun,
  logger: Logger,
  signal: AbortSignal,
): Promise<RunOutcome> {
  const o = run.options;
  const roles = new Set(run.roles);
  if (roles.has("compact")) {
    const { runCompact } = await import("./compact.ts");
    return { code: await runCompact(o.dataDir, logger) };
  }
  let broker: BrokerRole | undefined;
  let collect: CollectRole | undefined;
  let api: ApiRole | FederatedApiRole | undefined;
  let outcome: RunOutcome = { code: 0 };
  const secrets = await loadRunSecrets(run);
  const { token, tls, brokerTls } = secrets;
  const http = { maxBodyBytes: o.maxBodyBytes, maxUrlLength: o.maxUrlLength, token, tls };
  const listens = roles.has("broker") || roles.has("collect") || roles.has("api");
  if (listens && token === undefined && !isLoopbackHost(o.host)) {
    logger.warn(
      `listening on ${o.host} without a token: anyone who can reach it can publish, consume ` +
        "and query; set --token, --token-file or GPUTEL_TOKEN",
    );
  }
  try {
    if (roles.has("broker")) {
      const { startBrokerRole } = await import("../broker/role.ts");
      broker = await startBrokerRole({
        host: o.host,
        port: o.port,
        adminPort: o.adminPort,
        partitions: o.partitions,
        ackTimeoutMs: o.ackTimeoutMs,
        maxDeliveries: o.maxDeliveries,
        maxTopicBytes: o.maxTopicBytes,
        cacheBytes: o.cacheBytes,
        sessionTimeoutMs: o.sessionTimeoutMs,
        dataDir: o.persist ? o.dataDir : undefined,
        fsync: o.fsync,
        fsyncIntervalMs: o.fsyncIntervalMs,
        segmentBytes: o.segmentBytes,
        retentionMs: o.retentionMs,
        retentionBytes: o.retentionBytes,
        maxFrameBytes: o.maxFrameBytes,
        maxBatchMessages: o.maxBatchMessages,
        maxConnections: o.maxConnections,
        maxSubscriptionsPerConnection: o.maxSubscriptionsPerConnection,
        topics: o.brokerTopics.split(","),
        maxTopics: o.maxTopics,
        maxPartitionsTotal: o.maxPartitionsTotal,
        maxOpenFiles: o.maxOpenFiles,
        repairMetadata: o.repairMetadata,
        ...http,
        logger: logger.child("broker"),
      });
    }
    // `--broker nats://…`: stream and collect use JetStream instead.
    const nats = isNats(o.broker) && (roles.has("stream") || roles.has("collect"))
      ? await (await import("./nats_transport.ts")).natsTransport(o, o.broker, secrets, logger)
      : undefined;
    // With --port 0 the broker's real port is only known now.
    const brokerAddr = isNats(o.broker)
      ? undefined
      : broker && run.brokerIsLocal
      ? { host: o.broker.host, port: broker.server.addr.port }
      : o.broker;
    if (roles.has("collect")) {
      const { startCollectRole } = await import("../roles/collect.ts");
      collect = await startCollectRole({
        broker: brokerAddr,
        connect: nats?.source,
        topic: o.topic,
        group: o.group,
        workers: o.workers,
        dataDir: o.dataDir,
        id: o.id,
        maxEntries: o.maxEntries,
        maxMemory: o.maxMemory,
        host: o.host,
        apiPort: o.apiPort,
        maxWindowMs: o.maxWindowMs,
        brokerTls,
        ...http,
        logger: logger.child("collect"),
      });
    }
    if (roles.has("api") && o.collectors !== undefined) {
      const { startFederatedApiRole } = await import("../api/federation/role.ts");
      api = await startFederatedApiRole({
        collectors: o.collectors,
        collectorTimeoutMs: o.collectorTimeoutMs,
        host: o.host,
        apiPort: o.apiPort,
        maxWindowMs: o.maxWindowMs,
        caCerts: brokerTls?.caCerts,
        ...http,
        logger: logger.child("api"),
      });
    } else if (roles.has("api")) {
      const { startApiRole } = await import("../api/role.ts");
      api = await startApiRole({
        dataDir: o.dataDir,
        host: o.host,
        apiPort: o.apiPort,
        maxEntries: o.maxEntries,
        maxMemory: o.maxMemory,
        maxWindowMs: o.maxWindowMs,
        ...http,
        logger: logger.child("api"),
      });
    }
    if (run.demo) printDemoUrls(broker, collect);
    if (roles.has("stream") && o.source !== "csv") {
      const { runLive } = await import("./live.ts");
      const conn = { broker: brokerAddr, token, tls: brokerTls, sink: nats?.sink };
      const stream = await runLive(o, conn, logger.child("stream"), signal);
      outcome = { code: stream === undefined || stream.unconfirmed === 0 ? 0 : 1, stream };
      if (!broker && !collect && !api) return outcome;
    } else if (roles.has("stream")) {
      const { runStream } = await import("../stream/role.ts");
      const stream = await runStream({
        csv: o.csv!,
        broker: brokerAddr,
        connect: nats?.sink,
        topic: o.topic,
        workers: o.workers,
        rate: run.demo && run.sources.rate === undefined ? DEMO_RATE : o.rate,
        durationMs: o.durationMs,
        loop: o.loop,
        follow: o.follow,
        batchSize: o.batchSize,
        lingerMs: o.lingerMs,
        key: o.key,
        filters: o.filters,
        shard: o.shard,
        strict: o.strict,
        maxRecordBytes: o.maxRecordBytes,
        maxBadRows: o.maxBadRows,
        quiet: o.quiet,
        bufferMessages: o.bufferMessages,
        drainTimeoutMs: o.drainTimeoutMs,
        token,
        tls: brokerTls,
        logger: logger.child("stream"),
        signal,
      });
      outcome = { code: stream.unconfirmed === 0 ? 0 : 1, stream };
      // A stream alone exits when done; with servers in the process, a demo
      // bounded by --duration exits too, anything else keeps serving.
      const bounded = run.demo && o.durationMs > 0;
      if (!broker && !collect && !api) return outcome;
      if (bounded) return outcome;
    }
    if (!signal.aborted) {
      await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
    }
    return outcome;
  } finally {
    await api?.close();
    await collect?.close();
    await broker?.close();
  }
}

function printDemoUrls(broker: BrokerRole | undefined, collect: CollectRole | undefined): void {
  const api = collect && `http://${collect.apiAddr.hostname}:${collect.apiAddr.port}`;
  const admin = broker && `http://${broker.adminAddr.hostname}:${broker.adminAddr.port}`;
  const lines = [
    "",
    "gputel demo is running. Try:",
    api && `  curl ${api}/api/v1/gpus`,
    api && `  curl '${api}/api/v1/gpus/<id>/telemetry?limit=5'`,
    api && `  curl ${api}/openapi.json`,
    admin && `  curl ${admin}/stats`,
    "Press Ctrl-C to stop.",
    "",
  ].filter(Boolean);
  console.log(lines.join("\n"));
}

/** The bundled sample, next to main.ts (also inside a compiled binary). */
export function bundledSample(mainDir: string): string {
  return join(mainDir, "data", "sample.csv");
}

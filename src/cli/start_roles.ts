/**
 * One starter per role: each takes the {@linkcode RoleContext} of the
 * process (options, secrets, the signal) and returns the role as an object
 * that `runRoles` holds and closes: every role is `AsyncDisposable`, so the
 * process composes them on one `AsyncDisposableStack`, started in order and
 * closed in reverse.
 *
 * @module
 */
// Roles are loaded on demand (dynamic import below): a stream-only process
// on a GPU host then never loads hono, zod or the broker, which keeps its
// memory small.
import type { ApiRole } from "../api/role.ts";
import type { FederatedApiRole } from "../api/federation/role.ts";
import type { BrokerRole } from "../broker/role.ts";
import type { BrokerAddress } from "../client/link.ts";
import type { CollectRole } from "../roles/collect.ts";
import { isLoopbackHost } from "../net/token.ts";
import type { TlsServerConfig } from "../net/tls.ts";
import type { Logger } from "../obs/log.ts";
import type { StreamResult } from "../stream/role_options.ts";
import { streamStateFile } from "./check_file.ts";
import { isNats } from "./flags_nats.ts";
import type { NatsTransport } from "./nats_transport.ts";
import type { GputelOptions } from "./options.ts";
import type { CliRun } from "./parse.ts";
import { loadRunSecrets, type RunSecrets } from "./secrets.ts";

/** The demo's default --rate per worker: the sample's 1,920 rows pass in about 10 s. */
export const DEMO_RATE = 50;

/** What every role of the process starts from. */
export interface RoleContext {
  /** The parsed command line. */
  readonly run: CliRun;
  /** `run.options`. */
  readonly options: GputelOptions;
  /** The process's logger; each role logs under its own name. */
  readonly logger: Logger;
  /** Aborted on SIGINT/SIGTERM: every role stops. */
  readonly signal: AbortSignal;
  /** The token and TLS material, read once. */
  readonly secrets: RunSecrets;
  /** What every HTTP listener of the process serves with. */
  readonly http: HttpServing;
}

/** The token, TLS and request limits every HTTP listener of the process shares. */
export interface HttpServing {
  /** `--max-body-bytes`. */
  maxBodyBytes: number;
  /** `--max-url-length`. */
  maxUrlLength: number;
  /** Required as a bearer token, when set. */
  token?: string;
  /** Serve HTTPS with this. */
  tls?: TlsServerConfig;
}

/** How stream and collect reach the broker: its address, or the JetStream transport. */
export interface BrokerLink {
  /** The gputel broker (this process's at the port it got, or `--broker`); unset with NATS. */
  addr?: BrokerAddress;
  /** `--broker nats://…`: JetStream sinks and sources. */
  nats?: NatsTransport;
}

/** A role that runs to an end (the stream role): `done` settles with its outcome. */
export interface FiniteRole extends AsyncDisposable {
  /** Settles when the role has finished; `undefined` for `--once`. */
  readonly done: Promise<StreamResult | undefined>;
  /** Stops the role early and waits for it. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Reads the secrets and warns when a listener is open to other hosts without a token.
 *
 * @throws {UsageError} when a token or TLS file cannot be read (naming the flag)
 */
export async function roleContext(
  run: CliRun,
  logger: Logger,
  signal: AbortSignal,
): Promise<RoleContext> {
  const o = run.options;
  const secrets = await loadRunSecrets(run);
  const { token, tls } = secrets;
  const http = { maxBodyBytes: o.maxBodyBytes, maxUrlLength: o.maxUrlLength, token, tls };
  const listens = run.roles.some((role) =>
    role === "broker" || role === "collect" || role === "api"
  );
  if (listens && token === undefined && !isLoopbackHost(o.host)) {
    logger.warn(
      `listening on ${o.host} without a token: anyone who can reach it can publish, consume ` +
        "and query; set --token, --token-file or GPUTEL_TOKEN",
    );
  }
  return { run, options: o, logger, signal, secrets, http };
}

/**
 * The signal a serving role starts with: aborted when the process's signal
 * aborts while the role is still starting (a collector joining a broker that
 * does not answer gives up), never after {@linkcode StartingSignal.started}.
 * A started broker or collector is stopped by `runRoles`' stack in
 * reverse order instead — the stream drains into a running broker, the
 * collector stores what it was given — not by every role at once.
 */
export interface StartingSignal {
  /** Pass to the role's start. */
  readonly signal: AbortSignal;
  /** The role has started (or failed to): the process's signal no longer reaches it. */
  readonly started: () => void;
}

/** A {@linkcode StartingSignal} that follows `process` until started. */
export function startingSignal(process: AbortSignal): StartingSignal {
  const controller = new AbortController();
  const follow = () => controller.abort(process.reason);
  if (process.aborted) follow();
  else process.addEventListener("abort", follow, { once: true });
  return {
    signal: controller.signal,
    started: () => process.removeEventListener("abort", follow),
  };
}

/** Starts the broker role: TCP server and admin API. */
export async function startBroker(ctx: RoleContext): Promise<BrokerRole> {
  const o = ctx.options;
  const { startBrokerRole } = await import("../broker/role.ts");
  const start = startingSignal(ctx.signal);
  return await startBrokerRole({
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
    ...ctx.http,
    logger: ctx.logger.child("broker"),
    signal: start.signal,
  }).finally(start.started);
}

/**
 * How stream and collect reach the broker: with `--broker nats://…` the
 * JetStream transport; else `--broker`, or this process's broker at the
 * port it actually bound (with `--port 0` only known now).
 */
export async function brokerLink(ctx: RoleContext, broker?: BrokerRole): Promise<BrokerLink> {
  const o = ctx.options;
  if (isNats(o.broker)) {
    const clients = ctx.run.roles.some((role) => role === "stream" || role === "collect");
    if (!clients) return {};
    const { natsTransport } = await import("./nats_transport.ts");
    return { nats: await natsTransport(o, o.broker, ctx.secrets, ctx.logger) };
  }
  const local = broker !== undefined && ctx.run.brokerIsLocal;
  return { addr: local ? { host: o.broker.host, port: broker.server.addr.port } : o.broker };
}

/** Starts the collect role: consumes, stores, serves the query API. */
export async function startCollect(ctx: RoleContext, link: BrokerLink): Promise<CollectRole> {
  const o = ctx.options;
  const { startCollectRole } = await import("../roles/collect.ts");
  const start = startingSignal(ctx.signal);
  return await startCollectRole({
    broker: link.addr,
    connect: link.nats?.source,
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
    brokerTls: ctx.secrets.brokerTls,
    ...ctx.http,
    logger: ctx.logger.child("collect"),
    signal: start.signal,
  }).finally(start.started);
}

/** Starts the api role: over `--collectors`' APIs, or over the collector dirs of `--data-dir`. */
export async function startApi(ctx: RoleContext): Promise<ApiRole | FederatedApiRole> {
  const o = ctx.options;
  const common = {
    host: o.host,
    apiPort: o.apiPort,
    maxWindowMs: o.maxWindowMs,
    ...ctx.http,
    logger: ctx.logger.child("api"),
    signal: ctx.signal,
  };
  if (o.collectors !== undefined) {
    const { startFederatedApiRole } = await import("../api/federation/role.ts");
    return await startFederatedApiRole({
      ...common,
      collectors: o.collectors,
      collectorTimeoutMs: o.collectorTimeoutMs,
      caCerts: ctx.secrets.brokerTls?.caCerts,
    });
  }
  const { startApiRole } = await import("../api/role.ts");
  return await startApiRole({
    ...common,
    dataDir: o.dataDir,
    maxEntries: o.maxEntries,
    maxMemory: o.maxMemory,
  });
}

/** Starts the stream role: the GPUs through a live source, or the CSV file. */
export async function startStream(ctx: RoleContext, link: BrokerLink): Promise<FiniteRole> {
  const o = ctx.options;
  const logger = ctx.logger.child("stream");
  const { token, brokerTls } = ctx.secrets;
  if (o.source !== "csv") {
    const [{ runLive }, { StreamRun }] = await Promise.all([
      import("./live.ts"),
      import("../stream/stream_run.ts"),
    ]);
    const conn = { broker: link.addr, token, tls: brokerTls, sink: link.nats?.sink };
    return new StreamRun((signal) => runLive(o, conn, logger, signal), ctx.signal);
  }
  const { startStream } = await import("../stream/role.ts");
  return startStream({
    csv: o.csv!,
    broker: link.addr,
    connect: link.nats && ((numbering) => link.nats!.sink(undefined, numbering)),
    transport: link.nats ? "nats" : "gputel",
    state: streamStateFile(o),
    topic: o.topic,
    workers: o.workers,
    rate: ctx.run.demo && ctx.run.sources.rate === undefined ? DEMO_RATE : o.rate,
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
    logger,
    signal: ctx.signal,
  });
}

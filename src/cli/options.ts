/**
 * The fully resolved configuration a gputel process runs with: every flag,
 * from the command line, the environment or its default, in its final type.
 *
 * @module
 */

/** A network address to connect to. */
export interface HostPort {
  /** Host name or IP address (an IPv6 address without brackets). */
  host: string;
  /** TCP port, 1..65535. */
  port: number;
}

/** `--broker nats://…`: the NATS servers of a JetStream cluster, as given. */
export interface NatsServers {
  /** Server URLs, `nats://host:port` (or `tls://`), credentials included when given. */
  nats: string[];
}

// The stream module owns what a filter and a shard are; the CLI only parses them.
export type { RowFilter, Shard } from "../stream/row_filter.ts";
import type { RowFilter, Shard } from "../stream/row_filter.ts";
import type { CollectorsSpec } from "../api/federation/collectors.ts";

/** What `gputel stream` reads (`--source`). */
export type StreamSource = "csv" | "nvml" | "nvidia-smi" | "scrape";

/**
 * Every gputel flag, resolved. Fields of flags that do not apply to the roles
 * being run hold their defaults. Durations are milliseconds, sizes bytes.
 */
export interface GputelOptions {
  /** `--host`: address the broker, collect and api listeners bind. @default "127.0.0.1" */
  host: string;
  /** `--port`: broker client port; 0 picks a free port. @default 9000 */
  port: number;
  /** `--admin-port`: broker admin HTTP port; 0 picks a free port. @default 9090 */
  adminPort: number;
  /** `--api-port`: query API HTTP port; 0 picks a free port. @default 8080 */
  apiPort: number;
  /** `--data-dir`: broker log and collector files. @default "./data" */
  dataDir: string;
  /**
   * `--broker`: broker that stream and collect connect to, or the NATS
   * JetStream servers they use instead. In a mix with `broker` it defaults
   * to that broker's `--host:--port` (see `CliRun.brokerIsLocal`).
   * @default {host: "127.0.0.1", port: 9000}
   */
  broker: HostPort | NatsServers;
  /**
   * `--nats-replicas`: copies of each message in a JetStream stream gputel
   * creates; unset, `defaultReplicas` of the servers up (`client/nats/replicas.ts`).
   */
  natsReplicas?: number;
  /** `--nats-creds`: NATS `.creds` file (user JWT and NKey seed). */
  natsCreds?: string;
  /** `--partitions`: partitions per topic. @default 8 */
  partitions: number;
  /** `--ack-timeout`: redelivery deadline for an unacked delivery, ms. @default 30_000 */
  ackTimeoutMs: number;
  /** `--max-deliveries`: deliveries before a message is dead-lettered. @default 5 */
  maxDeliveries: number;
  /** `--max-topic-bytes`: bytes one topic may hold before publishers wait. @default 268_435_456 */
  maxTopicBytes: number;
  /** `--cache-bytes`: durable batches a persisted topic keeps in memory. @default 33_554_432 */
  cacheBytes: number;
  /** `--session-timeout`: a silent client is dropped after this, ms. @default 10_000 */
  sessionTimeoutMs: number;
  /** False with `--no-persist`: the broker keeps messages in memory only. @default true */
  persist: boolean;
  /** `--fsync`: when a publish is confirmed relative to fdatasync. @default "always" */
  fsync: "always" | "interval" | "never";
  /** `--fsync-interval`: sync period of `--fsync interval`, ms. @default 1000 */
  fsyncIntervalMs: number;
  /** `--segment-bytes`: segment file size before rolling. @default 67_108_864 */
  segmentBytes: number;
  /** `--retention`: delete segments older than this, ms; 0 = until consumed. @default 0 */
  retentionMs: number;
  /** `--retention-bytes`: log bytes kept per partition; 0 = no limit. @default 0 */
  retentionBytes: number;
  /** `--csv`: file to publish. Always set when the roles include stream. */
  csv?: string;
  /** `--source`: what stream reads; set by `parseCli` (csv with `--csv`, else nvml) whenever stream runs. */
  source?: StreamSource;
  /** `--interval`: time between readings of a live source, ms. @default 1000 */
  intervalMs: number;
  /** `--hostname`: Hostname label of live samples; `parseCli` fills `NODE_NAME`, else the host name. */
  hostname: string;
  /** `--nvml-lib`: the NVML library to load; unset = `libnvidia-ml.so.1`. */
  nvmlLib?: string;
  /** `--nvidia-smi`: the nvidia-smi program. @default "nvidia-smi" */
  nvidiaSmi: string;
  /** `--url`: the dcgm-exporter `/metrics` URL of `--source scrape`. */
  url?: string;
  /** `--once`: print one reading of a live source as JSON lines and exit. @default false */
  once: boolean;
  /** `--topic`: topic stream publishes to and collect consumes. @default "telemetry" */
  topic: string;
  /**
   * `--workers`: concurrent publishers (stream) or consumers (collect); unset,
   * each role's library default (`DEFAULT_WORKERS`, `DEFAULT_COLLECTOR_WORKERS`).
   */
  workers?: number;
  /** `--rate`: messages per second per stream worker; 0 = unlimited. @default 1 */
  rate: number;
  /** `--duration`: stream for this long, ms; 0 = until stopped. @default 0 */
  durationMs: number;
  /** Loop over the CSV file; `--no-loop` makes it false (one pass). @default true */
  loop: boolean;
  /** `--loop`: loop over the file, said explicitly (the default anyway). @default false */
  loopGiven: boolean;
  /** `--follow`: read the file as it grows (tail -F); never loops. @default false */
  follow: boolean;
  /** `--batch`: messages per publish batch. @default 500 */
  batchSize: number;
  /** `--linger`: how long a batch waits to fill before it is sent, ms. @default 5 */
  lingerMs: number;
  /** `--key`: column whose value keys messages; unset = detect the GPU (uuid first). */
  key?: string;
  /** `--filter` (repeatable): rows must match every column; any listed value per column. @default [] */
  filters: RowFilter[];
  /** `--shard K/N`: publish only this share of the GPUs; unset = all. */
  shard?: Shard;
  /** `--strict`: stop at the first malformed row instead of skipping it. @default false */
  strict: boolean;
  /** `--max-record-bytes`: a longer CSV record is a bad row. @default 1_048_576 */
  maxRecordBytes: number;
  /** `--max-bad-rows`: stop after more bad rows than this in a row. @default 1_000 */
  maxBadRows: number;
  /** `--state`: the stream's resume state file; unset = none (or under `stateDir`). */
  state?: string;
  /** `--state-dir`: directory of the stream's resume state file, named after the input. */
  stateDir?: string;
  /** `--quiet`: no progress lines. @default false */
  quiet: boolean;
  /** `--buffer`: most unconfirmed messages stream holds in memory before reading waits. @default 20_000 */
  bufferMessages: number;
  /** `--drain-timeout`: after a stop, how long stream waits for confirms, ms. @default 10_000 */
  drainTimeoutMs: number;
  /** `--log-format`: stderr log lines as `text` or one JSON object per line. @default "text" */
  logFormat: "text" | "json";
  /** `--group`: consumer group collect joins. @default "collectors" */
  group: string;
  /** `--id`: this collector's member id; defaults to the host name. */
  id: string;
  /** `--max-entries`: newest records kept in memory per GPU. @default 1000 */
  maxEntries: number;
  /**
   * `--max-memory`: most records kept in memory across all GPUs (a count, not bytes).
   * @default 1_000_000
   */
  maxMemory: number;
  /** `--max-window`: widest start_time..end_time of a telemetry query, ms. @default 2_678_400_000 (31 days) */
  maxWindowMs: number;
  /** `--collectors`: the api role asks these collectors' APIs instead of reading `--data-dir`. */
  collectors?: CollectorsSpec;
  /** `--collector-timeout`: how long the api waits for a collector, ms. @default 2000 */
  collectorTimeoutMs: number;
  /** `--max-frame-bytes`: largest frame a broker client may send. @default 16_777_216 */
  maxFrameBytes: number;
  /** `--max-batch`: most messages in one PUBLISH the broker takes. @default 100_000 */
  maxBatchMessages: number;
  /** `--max-connections`: most client connections the broker holds open. @default 1024 */
  maxConnections: number;
  /** `--max-subscriptions`: most subscriptions on one broker connection. @default 64 */
  maxSubscriptionsPerConnection: number;
  /** `--topics`: topics the broker creates at start, comma-separated. @default "telemetry" */
  brokerTopics: string;
  /** `--max-topics`: most topics the broker holds (dead-letter topics not counted). @default 64 */
  maxTopics: number;
  /** `--max-partitions-total`: most partitions across all topics. @default 1024 */
  maxPartitionsTotal: number;
  /** `--max-open-files`: most log files the broker keeps open at once. @default 256 */
  maxOpenFiles: number;
  /** `--repair-metadata`: accept a new identity or restarted groups when that metadata is lost. @default false */
  repairMetadata: boolean;
  /** `--token`: shared secret the broker (HELLO) and the HTTP APIs (Bearer) require; unset = none. */
  token?: string;
  /** `--token-file`: file the token is read from at start (trimmed); excludes `--token`. */
  tokenFile?: string;
  /** `--tls-cert`: PEM certificate chain the broker and HTTP APIs serve TLS with. */
  tlsCert?: string;
  /** `--tls-key`: PEM private key of `--tls-cert`. */
  tlsKey?: string;
  /** `--tls-ca`: PEM CA that stream and collect trust when connecting to the broker over TLS. */
  tlsCa?: string;
  /** `--max-body-bytes`: largest HTTP request body of the APIs. @default 65_536 */
  maxBodyBytes: number;
  /** `--max-url-length`: longest HTTP request URL of the APIs, characters. @default 8192 */
  maxUrlLength: number;
}

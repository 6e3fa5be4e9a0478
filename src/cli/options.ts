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
  /** `--host`: address the broker, collect and api listeners bind. @default {DEFAULT_HOST} */
  host: string;
  /** `--port`: broker client port; 0 picks a free port. @default {DEFAULT_PORT} */
  port: number;
  /** `--admin-port`: broker admin HTTP port; 0 picks a free port. @default {DEFAULT_ADMIN_PORT} */
  adminPort: number;
  /** `--api-port`: query API HTTP port; 0 picks a free port. @default {DEFAULT_API_PORT} */
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
  /** `--partitions`: partitions per topic. @default {DEFAULT_PARTITIONS} */
  partitions: number;
  /** `--ack-timeout`: redelivery deadline for an unacked delivery, ms. @default {DEFAULT_ACK_TIMEOUT_MS} */
  ackTimeoutMs: number;
  /** `--max-deliveries`: deliveries before a message is dead-lettered. @default {DEFAULT_MAX_DELIVERIES} */
  maxDeliveries: number;
  /** `--max-topic-bytes`: bytes one topic may hold before publishers wait. @default {DEFAULT_MAX_TOPIC_BYTES} */
  maxTopicBytes: number;
  /** `--cache-bytes`: durable batches a persisted topic keeps in memory. @default {DEFAULT_CACHE_BYTES} */
  cacheBytes: number;
  /** `--session-timeout`: a silent client is dropped after this, ms. @default {DEFAULT_SESSION_TIMEOUT_MS} */
  sessionTimeoutMs: number;
  /** False with `--no-persist`: the broker keeps messages in memory only. @default true */
  persist: boolean;
  /** `--fsync`: when a publish is confirmed relative to fdatasync. @default {DEFAULT_FSYNC} */
  fsync: "always" | "interval" | "never";
  /** `--fsync-interval`: sync period of `--fsync interval`, ms. @default {DEFAULT_FSYNC_INTERVAL_MS} */
  fsyncIntervalMs: number;
  /** `--segment-bytes`: segment file size before rolling. @default {DEFAULT_SEGMENT_BYTES} */
  segmentBytes: number;
  /** `--retention`: delete segments older than this, ms; 0 = until consumed. @default {DEFAULT_RETENTION_MS} */
  retentionMs: number;
  /** `--retention-bytes`: log bytes kept per partition; 0 = no limit. @default {DEFAULT_RETENTION_BYTES} */
  retentionBytes: number;
  /** `--csv`: file to publish. Always set when the roles include stream. */
  csv?: string;
  /** `--source`: what stream reads; set by `parseCli` (csv with `--csv`, else nvml) whenever stream runs. */
  source?: StreamSource;
  /** `--interval`: time between readings of a live source, ms. @default {DEFAULT_LIVE_INTERVAL_MS} */
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
  /** `--topic`: topic stream publishes to and collect consumes. @default {DEFAULT_TOPIC} */
  topic: string;
  /**
   * `--workers`: concurrent publishers (stream) or consumers (collect); unset,
   * each role's library default (`DEFAULT_WORKERS`, `DEFAULT_COLLECTOR_WORKERS`).
   */
  workers?: number;
  /** `--rate`: messages per second per stream worker; 0 = unlimited. @default {DEFAULT_RATE} */
  rate: number;
  /** `--duration`: stream for this long, ms; 0 = until stopped. @default {DEFAULT_DURATION_MS} */
  durationMs: number;
  /** Loop over the CSV file; `--no-loop` makes it false (one pass). @default true */
  loop: boolean;
  /** `--loop`: loop over the file, said explicitly (the default anyway). @default false */
  loopGiven: boolean;
  /** `--follow`: read the file as it grows (tail -F); never loops. @default false */
  follow: boolean;
  /** `--batch`: messages per publish batch. @default {DEFAULT_BATCH_SIZE} */
  batchSize: number;
  /** `--linger`: how long a batch waits to fill before it is sent, ms. @default {DEFAULT_LINGER_MS} */
  lingerMs: number;
  /** `--key`: column whose value keys messages; unset = detect the GPU (uuid first). */
  key?: string;
  /** `--filter` (repeatable): rows must match every column; any listed value per column. @default [] */
  filters: RowFilter[];
  /** `--shard K/N`: publish only this share of the GPUs; unset = all. */
  shard?: Shard;
  /** `--strict`: stop at the first malformed row instead of skipping it. @default false */
  strict: boolean;
  /** `--max-record-bytes`: a longer CSV record is a bad row. @default {DEFAULT_MAX_RECORD_CHARS} */
  maxRecordBytes: number;
  /** `--max-bad-rows`: stop after more bad rows than this in a row. @default {DEFAULT_MAX_BAD_ROWS} */
  maxBadRows: number;
  /** `--state`: the stream's resume state file; unset = none (or under `stateDir`). */
  state?: string;
  /** `--state-dir`: directory of the stream's resume state file, named after the input. */
  stateDir?: string;
  /** `--quiet`: no progress lines. @default false */
  quiet: boolean;
  /** `--buffer`: most unconfirmed messages stream holds in memory before reading waits. @default {DEFAULT_BUFFER_MESSAGES} */
  bufferMessages: number;
  /** `--drain-timeout`: after a stop, how long stream waits for confirms, ms. @default {DEFAULT_DRAIN_TIMEOUT_MS} */
  drainTimeoutMs: number;
  /** `--log-format`: stderr log lines as `text` or one JSON object per line. @default {DEFAULT_LOG_FORMAT} */
  logFormat: "text" | "json";
  /** `--group`: consumer group collect joins. @default {DEFAULT_GROUP} */
  group: string;
  /** `--id`: this collector's member id; defaults to the host name. */
  id: string;
  /** `--max-entries`: newest records kept in memory per GPU. @default {DEFAULT_MAX_ENTRIES} */
  maxEntries: number;
  /**
   * `--max-memory`: most records kept in memory across all GPUs (a count, not bytes).
   * @default {DEFAULT_MAX_MEMORY}
   */
  maxMemory: number;
  /** `--max-window`: widest start_time..end_time of a telemetry query, ms. @default {DEFAULT_MAX_WINDOW_MS} */
  maxWindowMs: number;
  /** `--collectors`: the api role asks these collectors' APIs instead of reading `--data-dir`. */
  collectors?: CollectorsSpec;
  /** `--collector-timeout`: how long the api waits for a collector, ms. @default {DEFAULT_COLLECTOR_TIMEOUT_MS} */
  collectorTimeoutMs: number;
  /** `--max-frame-bytes`: largest frame a broker client may send. @default {DEFAULT_MAX_FRAME_BYTES} */
  maxFrameBytes: number;
  /** `--max-batch`: most messages in one PUBLISH the broker takes. @default {DEFAULT_MAX_BATCH_MESSAGES} */
  maxBatchMessages: number;
  /** `--max-connections`: most client connections the broker holds open. @default {DEFAULT_MAX_CONNECTIONS} */
  maxConnections: number;
  /** `--max-subscriptions`: most subscriptions on one broker connection. @default {DEFAULT_MAX_SUBSCRIPTIONS} */
  maxSubscriptionsPerConnection: number;
  /** `--topics`: topics the broker creates at start, comma-separated. @default {DEFAULT_TOPICS} */
  brokerTopics: string;
  /** `--max-topics`: most topics the broker holds (dead-letter topics not counted). @default {DEFAULT_MAX_TOPICS} */
  maxTopics: number;
  /** `--max-partitions-total`: most partitions across all topics. @default {DEFAULT_MAX_PARTITIONS_TOTAL} */
  maxPartitionsTotal: number;
  /** `--max-open-files`: most log files the broker keeps open at once. @default {DEFAULT_MAX_OPEN_FILES} */
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
  /** `--max-body-bytes`: largest HTTP request body of the APIs. @default {DEFAULT_MAX_BODY_BYTES} */
  maxBodyBytes: number;
  /** `--max-url-length`: longest HTTP request URL of the APIs, characters. @default {DEFAULT_MAX_URL_LENGTH} */
  maxUrlLength: number;
}

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

/** One `--filter COLUMN=VALUE`. */
export interface RowFilter {
  /** CSV column name (header text, exact). */
  column: string;
  /** Value the column must equal (exact string match; may be empty). */
  value: string;
}

/** One `--shard K/N`: this stream publishes share `index` of `count`. */
export interface Shard {
  /** Which share, one-based: 1..count. */
  index: number;
  /** How many shares the GPUs are split into, >= 1. */
  count: number;
}

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
   * `--broker`: broker that stream and collect connect to. In a mix with
   * `broker` it defaults to that broker's `--host:--port` (see `CliRun.brokerIsLocal`).
   * @default {host: "127.0.0.1", port: 9000}
   */
  broker: HostPort;
  /** `--partitions`: partitions per topic. @default 8 */
  partitions: number;
  /** `--ack-timeout`: redelivery deadline for an unacked delivery, ms. @default 30_000 */
  ackTimeoutMs: number;
  /** `--max-deliveries`: deliveries before a message is dead-lettered. @default 5 */
  maxDeliveries: number;
  /** `--max-topic-bytes`: bytes one topic may hold before publishers wait. @default 268_435_456 */
  maxTopicBytes: number;
  /** `--session-timeout`: a silent client is dropped after this, ms. @default 10_000 */
  sessionTimeoutMs: number;
  /** `--csv`: file to publish. Always set when the roles include stream. */
  csv?: string;
  /** `--topic`: topic stream publishes to and collect consumes. @default "telemetry" */
  topic: string;
  /** `--workers`: concurrent publishers (stream) or consumers (collect). @default 4 */
  workers: number;
  /** `--rate`: messages per second per stream worker; 0 = unlimited. @default 1 */
  rate: number;
  /** `--duration`: stream for this long, ms; 0 = until stopped. @default 0 */
  durationMs: number;
  /** Loop over the CSV file; `--no-loop` makes it false (one pass). @default true */
  loop: boolean;
  /** `--batch`: messages per publish batch. @default 500 */
  batch: number;
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
  /** `--quiet`: no progress lines. @default false */
  quiet: boolean;
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
}

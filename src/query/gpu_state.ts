/**
 * What a {@linkcode MemoryWindow} knows of one GPU beyond the records it
 * holds: its metadata, folded over every record ever added (earliest and
 * latest timestamp, labels and each metric's value of the newest record),
 * and a snapshot of it that a later process can restore without reading
 * the records again. Pure: no I/O.
 *
 * @module
 */

import type { MetricValue, RecordSummary, TelemetryRecord } from "../record/telemetry_record.ts";

/** One stored record with its place in its GPU's file. */
export interface WindowEntry {
  /** Line number of the record in its GPU's file (0-based). */
  seq: number;
  /** The record's timestamp in epoch milliseconds. */
  ts: number;
  /** The record. */
  record: TelemetryRecord;
}

/**
 * A record joining the window: the window keeps its JSON (a string, one heap
 * object) and its origin, and parses them back when read, not the parsed
 * record (a dozen objects per record that the garbage collector would walk
 * for as long as the window holds them); GPU metadata comes from `record`.
 */
export interface AddedEntry {
  /** Line number of the record in its GPU's file (0-based). */
  seq: number;
  /** The record's timestamp in epoch milliseconds. */
  ts: number;
  /** What the metadata is folded from; not kept. */
  record: RecordSummary;
  /** The record's JSON, what reads parse. */
  json: string;
  /**
   * Its `_o` when `json` does not hold it: reads add it as the last field,
   * where the stored line has it. Kept apart, not spliced into `json`: a
   * spliced string would hold four string objects per record.
   */
  origin?: string;
}

/** A record as the window holds it: its place, time, JSON and origin. */
export interface HeldEntry {
  /** Line number of the record in its GPU's file (0-based). */
  seq: number;
  /** The record's timestamp in epoch milliseconds. */
  ts: number;
  /** The record's JSON. */
  json: string;
  /** Its `_o` when `json` does not hold it. */
  origin: string | undefined;
}

/** The record a held entry stands for: its JSON parsed, its origin added last. */
export function recordOf(e: HeldEntry): TelemetryRecord {
  const record = JSON.parse(e.json);
  if (e.origin !== undefined) record._o = e.origin;
  return record;
}

/** What is known about a GPU, kept for every GPU ever seen. */
export interface GpuInfo {
  /** The GPU key (uuid, or gpu_id when the source has none). */
  id: string;
  /** Label `hostname` of its newest record, or `null`. */
  hostname: string | null;
  /** Label `gpu_index` of its newest record, or `null`. */
  gpu_index: string | null;
  /** Label `model` of its newest record, or `null`. */
  model: string | null;
  /** Earliest record timestamp seen. */
  first_seen: string;
  /** Latest record timestamp seen. */
  last_seen: string;
  /** Each metric's value in the newest record that has it. */
  latest: Record<string, MetricValue>;
}

/** One GPU's state inside a memory window. */
export interface GpuState {
  /** Metadata but the latest values. */
  info: Omit<GpuInfo, "latest">;
  /** Earliest timestamp folded, epoch ms. */
  firstTs: number;
  /** Latest timestamp folded, epoch ms. */
  lastTs: number;
  /** Each metric's newest value and its timestamp. */
  latest: Map<string, { value: MetricValue; ts: number }>;
  /** Records held, from `start` on. */
  entries: HeldEntry[];
  /** Index in `entries` of the oldest record held. */
  start: number;
  /** Greatest timestamp of a record of this GPU not held. */
  evictedMaxTs: number;
}

/** A GPU's metadata as a snapshot stores it: enough to go on folding records into it. */
export interface GpuSnapshot {
  /** Metadata but the latest values. */
  info: Omit<GpuInfo, "latest">;
  /** Earliest timestamp folded, epoch ms. */
  firstTs: number;
  /** Latest timestamp folded, epoch ms. */
  lastTs: number;
  /** `[metric, value, ts]` of each metric's newest value. */
  latest: [string, MetricValue, number][];
}

/** A GPU's state before its first record is folded in. */
export function newGpuState(record: RecordSummary, ts: number): GpuState {
  return {
    info: {
      id: record.gpu_id,
      hostname: null,
      gpu_index: null,
      model: null,
      first_seen: record.timestamp,
      last_seen: record.timestamp,
    },
    firstTs: ts,
    lastTs: -Infinity,
    latest: new Map(),
    entries: [],
    start: 0,
    evictedMaxTs: -Infinity,
  };
}

/** Folds a record's timestamp, labels and metrics into a GPU's metadata. */
export function foldRecord(state: GpuState, record: RecordSummary, ts: number): void {
  if (ts < state.firstTs) {
    state.firstTs = ts;
    state.info.first_seen = record.timestamp;
  }
  if (ts >= state.lastTs) {
    state.lastTs = ts;
    state.info.last_seen = record.timestamp;
    state.info.hostname = record.labels.hostname ?? state.info.hostname;
    state.info.gpu_index = record.labels.gpu_index ?? state.info.gpu_index;
    state.info.model = record.labels.model ?? state.info.model;
  }
  for (const [name, value] of Object.entries(record.metrics)) {
    const known = state.latest.get(name);
    if (known === undefined || ts >= known.ts) state.latest.set(name, { value, ts });
  }
}

/** A GPU's metadata as a snapshot (a copy). */
export function snapshotGpu(state: GpuState): GpuSnapshot {
  return {
    info: { ...state.info },
    firstTs: state.firstTs,
    lastTs: state.lastTs,
    latest: [...state.latest].map(([name, { value, ts }]) => [name, value, ts]),
  };
}

/**
 * A GPU's state from a snapshot, holding no records; records of it not
 * held are taken to be as recent as `evictedMaxTs`.
 */
export function restoreGpuState(snapshot: GpuSnapshot, evictedMaxTs: number): GpuState {
  return {
    info: { ...snapshot.info },
    firstTs: snapshot.firstTs,
    lastTs: snapshot.lastTs,
    latest: new Map(snapshot.latest.map(([name, value, ts]) => [name, { value, ts }])),
    entries: [],
    start: 0,
    evictedMaxTs,
  };
}

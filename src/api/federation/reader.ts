/**
 * The read side of the federated `api` role, made for one request: it asks
 * every collector's own query API and merges the answers. A collector that
 * fails makes the request fail with 503 naming it, unless the request asked
 * for `partial=true`: then it is left out and named in the request's
 * {@linkcode RequestWarnings}.
 *
 * @module
 */

import { UnknownGpuError } from "../../query/errors.ts";
import type { GpuInfo, MemoryStats } from "../../query/memory_window.ts";
import {
  type GpuList,
  type HostInfo,
  type TelemetryPage,
  type TelemetryParams,
  TelemetryQuery,
} from "../../query/query.ts";
import type { TelemetryRecord } from "../../record/telemetry_record.ts";
import { HttpProblem } from "../problem.ts";
import type { ApiReader } from "../reader.ts";
import { recordDigest } from "./dedup.ts";
import { mergeMetrics } from "./metrics_merge.ts";
import { SnapshotSource } from "./snapshot_source.ts";
import { CollectorsUnavailableError, mergeTelemetryPage } from "./telemetry_merge.ts";
import type { Failures, UpstreamClient } from "./upstream.ts";
import type { CollectorIds } from "./collector_ids.ts";

/** Problem type of a 503 caused by collectors that did not answer. */
export const COLLECTOR_UNAVAILABLE = "urn:gputel:problem:collector-unavailable";

/** The collectors one request left out, and why. */
export class RequestWarnings {
  readonly #failed: Failures = new Map();

  /** Adds left-out collectors. */
  add(failed: Failures): void {
    for (const [url, why] of failed) this.#failed.set(url, why);
  }

  /** One sentence per left-out collector. */
  list(): string[] {
    return [...this.#failed].map(([url, why]) => `collector ${url} ${why}; its data is left out`);
  }
}

/** What a {@linkcode FederatedReader} needs. */
export interface FederatedReaderOptions {
  /** Asks collectors. */
  client: UpstreamClient;
  /** Who answers at each address (positions of a paging are kept by collector id). */
  ids: CollectorIds;
  /** The collectors' base URLs now. */
  urls: readonly string[];
  /** Leave failing collectors out (and warn) instead of answering 503. */
  partial: boolean;
  /** Where left-out collectors are noted. */
  warnings: RequestWarnings;
}

function unavailable(error: CollectorsUnavailableError): HttpProblem {
  return new HttpProblem(503, COLLECTOR_UNAVAILABLE, error.message);
}

/** Answers one request from every collector's API. */
export class FederatedReader implements ApiReader {
  readonly #o: FederatedReaderOptions;

  /** Creates the reader for one request. */
  constructor(options: FederatedReaderOptions) {
    this.#o = options;
  }

  /** The `ok` answers of every collector to `GET path`; 404s are left out. */
  async #all<T>(path: string, text = false): Promise<{ url: string; body: T }[]> {
    const { client, urls } = this.#o;
    const results = await Promise.all(
      urls.map((url) => text ? client.getText(url, path) : client.getJson<T>(url, path)),
    );
    const failed: Failures = new Map();
    const answers: { url: string; body: T }[] = [];
    for (const result of results) {
      if (result.kind === "failed") failed.set(result.url, result.reason);
      if (result.kind === "ok") answers.push({ url: result.url, body: result.body as T });
    }
    this.#failed(failed);
    return answers;
  }

  #failed(failed: Failures): void {
    if (failed.size === 0) return;
    if (!this.#o.partial) throw unavailable(new CollectorsUnavailableError(failed));
    this.#o.warnings.add(failed);
  }

  async #query(withMemory = false): Promise<TelemetryQuery> {
    const [lists, memory] = await Promise.all([
      this.#all<GpuList>("/api/v1/gpus"),
      withMemory ? this.#all<MemoryStats>("/memory-stats") : Promise.resolve([]),
    ]);
    const sources = lists.map(({ url, body }) =>
      new SnapshotSource(body.gpus, memory.find((m) => m.url === url)?.body)
    );
    return new TelemetryQuery(() => sources);
  }

  /** Every GPU, merged over collectors. */
  async listGpus(filter: { hostname?: string } = {}): Promise<GpuList> {
    return (await this.#query()).listGpus(filter);
  }

  /** Every host, from the merged GPUs. */
  async listHosts(): Promise<{ total: number; hosts: HostInfo[] }> {
    return (await this.#query()).listHosts();
  }

  /** GPUs of one host. @throws {UnknownHostError} */
  async hostGpus(hostname: string): Promise<GpuList> {
    return (await this.#query()).hostGpus(hostname);
  }

  /** Newest records of a GPU over collectors, copies once. @throws {UnknownGpuError} */
  async newest(gpuId: string, limit: number): Promise<TelemetryRecord[]> {
    const path = `/telemetry/${encodeURIComponent(gpuId)}?limit=${limit}`;
    const answers = await this.#all<{ data: TelemetryRecord[] }>(path);
    if (answers.length === 0 && this.#o.warnings.list().length === 0) {
      throw new UnknownGpuError(gpuId);
    }
    const ranked = answers.flatMap(({ body }, rank) =>
      body.data.map((record, i) => ({ record, rank, i, ts: Date.parse(record.timestamp) }))
    ).sort((a, b) => a.ts - b.ts || a.rank - b.rank || a.i - b.i);
    const seen = new Set<string>();
    const unique = ranked.filter(({ record }) => {
      const digest = recordDigest(record);
      return !seen.has(digest) && seen.add(digest);
    });
    return unique.slice(-limit).map(({ record }) => record);
  }

  /** One merged page. @throws {UnknownGpuError} @throws {QueryError} */
  async telemetry(params: TelemetryParams): Promise<TelemetryPage> {
    const base = new URLSearchParams();
    if (params.startMs !== undefined) {
      base.set("start_time", new Date(params.startMs).toISOString());
    }
    if (params.endMs !== undefined) base.set("end_time", new Date(params.endMs).toISOString());
    if (params.metric !== undefined) base.set("metric", params.metric);
    const path = `/api/v1/gpus/${encodeURIComponent(params.gpuId)}/telemetry?`;
    const { members, failed: unnamed } = await this.#o.ids.members(this.#o.urls);
    this.#failed(unnamed);
    try {
      const { page, failed } = await mergeTelemetryPage(
        params,
        members,
        (url, cursor, limit) => {
          const query = new URLSearchParams(base);
          query.set("limit", String(limit));
          if (cursor !== undefined) query.set("cursor", cursor);
          return this.#o.client.getJson<TelemetryPage>(url, path + query);
        },
        this.#o.partial,
      );
      this.#o.warnings.add(failed);
      return page;
    } catch (error) {
      throw error instanceof CollectorsUnavailableError ? unavailable(error) : error;
    }
  }

  /** Each collector's `/stats`, by base URL. */
  async stats(): Promise<Record<string, unknown>> {
    const answers = await this.#all<Record<string, unknown>>("/stats");
    return { collectors: Object.fromEntries(answers.map(({ url, body }) => [url, body])) };
  }

  /** Memory usage summed over collectors; `gpus` counts each GPU once. */
  async memoryStats(): Promise<MemoryStats> {
    return (await this.#query(true)).memoryStats();
  }

  /** Every collector's `/metrics`, merged (see {@linkcode mergeMetrics}), then `own`. */
  async metrics(own: string): Promise<string> {
    const [texts, lists] = await Promise.all([
      this.#all<string>("/metrics", true),
      this.#all<GpuList>("/api/v1/gpus"),
    ]);
    return mergeMetrics(
      texts.map(({ url, body }) => ({
        url,
        text: body,
        lastSeen: lastSeenOf(lists.find((l) => l.url === url)?.body.gpus ?? []),
      })),
      own,
    );
  }
}

function lastSeenOf(gpus: readonly GpuInfo[]): Map<string, number> {
  return new Map(gpus.map((gpu) => [gpu.id, Date.parse(gpu.last_seen)]));
}

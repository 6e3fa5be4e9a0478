/**
 * Which collector answers at an address: its `--id`, from its `/stats`.
 * A federated paging keys each collector's position by id, so a collector
 * that comes back at another address (a restarted pod) continues where it
 * was. Answers are cached for a while per address.
 *
 * @module
 */

import type { Failures, UpstreamClient } from "./upstream.ts";

/** A collector: its id and where it answers now. */
export interface Member {
  /** Its `--id` (or its address, when its `/stats` names none). */
  id: string;
  /** Its base URL. */
  url: string;
}

/** How long an address's id is trusted before it is asked again, ms. */
export const DEFAULT_ID_TTL_MS = 10_000;

/** Learns and caches the collector id behind each address. */
export class CollectorIds {
  readonly #client: UpstreamClient;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { id: string; at: number }>();

  /**
   * Creates the cache.
   *
   * @param client asks the collectors
   * @param ttlMs how long an answer is kept
   * @param now the clock (tests inject one)
   */
  constructor(client: UpstreamClient, ttlMs = DEFAULT_ID_TTL_MS, now: () => number = Date.now) {
    this.#client = client;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /**
   * The members behind `urls`, and the addresses that did not say who they are.
   * Two addresses naming one id keep the first (sorted) and the other is left out.
   */
  async members(urls: readonly string[]): Promise<{ members: Member[]; failed: Failures }> {
    const failed: Failures = new Map();
    const now = this.#now();
    const ids = await Promise.all(urls.map(async (url) => {
      const cached = this.#cache.get(url);
      if (cached !== undefined && now - cached.at < this.#ttlMs) return cached.id;
      const result = await this.#client.getJson<{ collector?: { id?: unknown } }>(url, "/stats");
      if (result.kind === "failed") {
        failed.set(url, result.reason);
        return undefined;
      }
      const named = result.kind === "ok" ? result.body?.collector?.id : undefined;
      const id = typeof named === "string" && named !== "" ? named : url;
      this.#cache.set(url, { id, at: now });
      return id;
    }));
    const members: Member[] = [];
    const seen = new Set<string>();
    urls.forEach((url, i) => {
      const id = ids[i];
      if (id === undefined || seen.has(id)) return;
      seen.add(id);
      members.push({ id, url });
    });
    return { members, failed };
  }
}

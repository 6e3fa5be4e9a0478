/**
 * A federated telemetry page: the time-ordered rows of every collector that
 * has the GPU, merged, copies of one stored row (same {@linkcode recordKey})
 * returned once, with a cursor holding each collector's own position so
 * that paging never skips or repeats a row.
 *
 * @module
 */

import type { CursorScope } from "../../query/cursor.ts";
import { UnknownGpuError } from "../../query/errors.ts";
import type { TelemetryPage, TelemetryParams } from "../../query/query.ts";
import type { TelemetryRecord } from "../../record/telemetry_record.ts";
import { recordDigest } from "./dedup.ts";
import {
  decodeFederatedCursor,
  encodeFederatedCursor,
  type FederatedCursorState,
} from "./federated_cursor.ts";
import type { Member } from "./collector_ids.ts";
import { FeedFailedError, type PageFetcher, TelemetryFeed } from "./telemetry_feed.ts";
import type { Failures } from "./upstream.ts";

/** What {@linkcode mergeTelemetryPage} returns. */
export interface MergedPage {
  /** The page, as one collector's API would answer it. */
  page: TelemetryPage;
  /** Collectors left out (only with `partial`). */
  failed: Failures;
}

/** Thrown when collectors fail and the request did not accept a partial answer. */
export class CollectorsUnavailableError extends Error {
  /** Which collectors, and why. */
  readonly failed: Failures;

  /** Creates the error. */
  constructor(failed: Failures) {
    super(
      [...failed].map(([url, why]) => `collector ${url} ${why}`).join("; ") +
        "; retry, or add partial=true to the query for the other collectors' answer",
    );
    this.name = "CollectorsUnavailableError";
    this.failed = failed;
  }
}

class ShiftedError extends Error {}

const MAX_SHIFT_RETRIES = 3;

/**
 * Builds one federated page.
 *
 * @param params the query (its `cursor` is a federated cursor)
 * @param members the collectors now; positions are kept by their ids
 * @param fetch reads one page of one collector
 * @param partial leave failing collectors out instead of failing
 * @throws {CollectorsUnavailableError} when a collector fails and not `partial`
 * @throws {UnknownGpuError} when no collector has the GPU and none failed
 * @throws {QueryError} on a bad cursor
 */
export async function mergeTelemetryPage(
  params: TelemetryParams,
  members: readonly Member[],
  fetch: PageFetcher,
  partial: boolean,
): Promise<MergedPage> {
  const scope: CursorScope = {
    gpuId: params.gpuId,
    startMs: params.startMs,
    endMs: params.endMs,
    metric: params.metric,
  };
  const state: FederatedCursorState = params.cursor === undefined
    ? { ts: null, seen: [], positions: Object.fromEntries(members.map((m) => [m.id, "s"])) }
    : decodeFederatedCursor(params.cursor, scope);
  const urlOf = new Map(members.map((m) => [m.id, m.url]));
  const failed: Failures = new Map();
  for (const id of Object.keys(state.positions)) {
    if (!urlOf.has(id)) failed.set(id, "is no longer among --collectors");
  }
  let shifts = 0;
  while (true) {
    if (failed.size > 0 && !partial) throw new CollectorsUnavailableError(failed);
    try {
      const page = await buildPage(scope, state, params.limit, fetch, urlOf);
      if (page === undefined) {
        if (failed.size === 0) throw new UnknownGpuError(params.gpuId);
        return { page: { data: [], next_cursor: null }, failed };
      }
      return { page, failed };
    } catch (error) {
      if (error instanceof FeedFailedError) {
        failed.set(error.url, error.reason);
        for (const [id, url] of urlOf) if (url === error.url) urlOf.delete(id);
      } else if (error instanceof ShiftedError && ++shifts < MAX_SHIFT_RETRIES) {
        continue;
      } else if (error instanceof ShiftedError) {
        throw new CollectorsUnavailableError(
          new Map([["(several)", "kept changing the first page while it was read"]]),
        );
      } else {
        throw error;
      }
    }
  }
}

/** One page, or `undefined` when no reachable collector knows the GPU on a first page. */
async function buildPage(
  scope: CursorScope,
  state: FederatedCursorState,
  limit: number,
  fetch: PageFetcher,
  urlOf: ReadonlyMap<string, string>,
): Promise<TelemetryPage | undefined> {
  const ids = Object.keys(state.positions).sort();
  const feeds = ids
    .map((id, rank) => ({ id, rank, position: state.positions[id], url: urlOf.get(id) }))
    .filter(({ position, url }) => position !== "d" && url !== undefined)
    .map(({ id, rank, position, url }) =>
      new TelemetryFeed(id, url!, rank, position, fetch, limit)
    );
  const carried = new Set(state.seen);
  const inPage = new Set<string>();
  const data: TelemetryRecord[] = [];
  let lastTs = state.ts;
  let atLast = new Set(state.seen);
  let more = false;
  while (true) {
    const heads = await Promise.all(feeds.map((feed) => feed.head()));
    let best = -1;
    let bestTs = Infinity;
    heads.forEach((head, i) => {
      if (head === undefined) return;
      const ts = Date.parse(head.timestamp);
      if (best < 0 || ts < bestTs || (ts === bestTs && feeds[i].rank < feeds[best].rank)) {
        [best, bestTs] = [i, ts];
      }
    });
    if (best < 0) break;
    const record = heads[best]!;
    const digest = recordDigest(record);
    const copy = inPage.has(digest) || (bestTs === state.ts && carried.has(digest));
    if (!copy && data.length === limit) {
      more = true;
      break;
    }
    feeds[best].take();
    if (bestTs !== lastTs) [lastTs, atLast] = [bestTs, new Set()];
    atLast.add(digest);
    if (!copy) {
      inPage.add(digest);
      data.push(record);
    }
  }
  if (state.ts === null && data.length === 0 && !feeds.some((feed) => feed.known)) {
    return undefined;
  }
  const positions = { ...state.positions };
  const same = (rows: TelemetryRecord[], taken: TelemetryRecord[]) =>
    rows.length === taken.length &&
    rows.every((r, i) => recordDigest(r) === recordDigest(taken[i]));
  for (const feed of feeds) {
    const position = await feed.position(same);
    if (position === undefined) throw new ShiftedError();
    positions[feed.id] = position;
  }
  const next_cursor = more
    ? encodeFederatedCursor(scope, { ts: lastTs, seen: [...atLast], positions })
    : null;
  return { data, next_cursor };
}

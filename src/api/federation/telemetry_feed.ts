/**
 * One collector's rows of one telemetry query, read page by page through
 * its own API, as a stream the federated merge takes rows from one at a
 * time. It remembers where the rows it handed out began, so the merge can
 * turn "this many taken" into a position that survives the request.
 *
 * @module
 */

import type { TelemetryPage } from "../../query/query.ts";
import type { TelemetryRecord } from "../../record/telemetry_record.ts";
import type { CollectorPosition } from "./federated_cursor.ts";
import type { UpstreamResult } from "./upstream.ts";

/** GETs one page of a collector's telemetry for the query being merged. */
export type PageFetcher = (
  url: string,
  cursor: string | undefined,
  limit: number,
) => Promise<UpstreamResult<TelemetryPage>>;

/** A collector failed while its rows were being merged. */
export class FeedFailedError extends Error {
  /** The collector's base URL. */
  readonly url: string;
  /** What went wrong, in words. */
  readonly reason: string;

  /** Creates the error for `url`. */
  constructor(url: string, reason: string) {
    super(`collector ${url} ${reason}`);
    this.name = "FeedFailedError";
    this.url = url;
    this.reason = reason;
  }
}

/** A collector's rows from a position onwards. */
export class TelemetryFeed {
  /** The collector's id, the key of its position. */
  readonly id: string;
  /** The collector's base URL. */
  readonly url: string;
  /** Its rank among the collectors, the tie-break between equal timestamps. */
  readonly rank: number;
  readonly #fetch: PageFetcher;
  readonly #limit: number;
  /** Upstream cursor of the page in the buffer (`undefined`: the first page). */
  #pageCursor: string | undefined;
  #buffer: TelemetryRecord[] = [];
  #taken = 0;
  #next: string | null | undefined;
  #known = false;

  /**
   * Creates the feed; nothing is read until {@linkcode TelemetryFeed.head}.
   *
   * @param id the collector's id
   * @param url where it answers
   * @param rank tie-break order
   * @param position where this paging left it (`"s"`, or its `next_cursor`; not `"d"`)
   * @param fetch reads one page
   * @param limit rows per upstream page
   */
  constructor(
    id: string,
    url: string,
    rank: number,
    position: CollectorPosition,
    fetch: PageFetcher,
    limit: number,
  ) {
    this.id = id;
    this.url = url;
    this.rank = rank;
    this.#pageCursor = position === "s" ? undefined : position;
    this.#fetch = fetch;
    this.#limit = limit;
  }

  /** Whether the collector has the GPU at all (known after the first {@linkcode head}). */
  get known(): boolean {
    return this.#known;
  }

  /**
   * The next row, fetching the next page when the buffer is used up;
   * `undefined` when there are no more.
   *
   * @throws {FeedFailedError} when the collector fails to answer
   */
  async head(): Promise<TelemetryRecord | undefined> {
    while (this.#taken === this.#buffer.length) {
      if (this.#next === null) return undefined;
      const cursor = this.#next === undefined ? this.#pageCursor : this.#next;
      const result = await this.#fetch(this.url, cursor, this.#limit);
      if (result.kind === "failed") throw new FeedFailedError(this.url, result.reason);
      this.#pageCursor = cursor;
      this.#taken = 0;
      if (result.kind === "missing") {
        [this.#buffer, this.#next] = [[], null];
        return undefined;
      }
      this.#known = true;
      [this.#buffer, this.#next] = [result.body.data, result.body.next_cursor];
    }
    return this.#buffer[this.#taken];
  }

  /** Takes the row {@linkcode head} returned. */
  take(): void {
    this.#taken++;
  }

  /**
   * Where the next page of this paging starts for this collector. When the
   * merge took only part of a page, the page is read again up to exactly
   * the rows taken, to get the collector's own cursor after them; `check`
   * receives those rows and says whether they are the ones taken (a first
   * page is not pinned, so rows arriving meanwhile could shift it).
   *
   * @returns the position, or `undefined` when the rows no longer match
   * @throws {FeedFailedError} when the collector fails to answer
   */
  async position(
    check: (rows: TelemetryRecord[], taken: TelemetryRecord[]) => boolean,
  ): Promise<CollectorPosition | undefined> {
    if (this.#next === undefined) return this.#pageCursor ?? "s";
    if (this.#taken === this.#buffer.length) return this.#next ?? "d";
    if (this.#taken === 0) return this.#pageCursor ?? "s";
    const taken = this.#buffer.slice(0, this.#taken);
    const again = await this.#fetch(this.url, this.#pageCursor, taken.length);
    if (again.kind === "failed") throw new FeedFailedError(this.url, again.reason);
    if (again.kind === "missing" || again.body.next_cursor === null) return undefined;
    return check(again.body.data, taken) ? again.body.next_cursor : undefined;
  }
}

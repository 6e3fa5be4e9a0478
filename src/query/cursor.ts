/**
 * Opaque paging cursors for telemetry queries. A cursor pins the query it
 * belongs to (GPU, window, metric), the last position returned, and each
 * source's line count when paging began, so pages stay stable while new data
 * arrives: no record is returned twice or skipped, and records appended after
 * the first page do not shift later pages. Pure.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { QueryError } from "./errors.ts";

/** The longest cursor accepted, in characters. */
export const MAX_CURSOR_LENGTH = 4096;

/** What a cursor holds. */
export interface CursorState {
  /** Timestamp (epoch ms) of the last record returned. */
  ts: number;
  /** Index of the source that record came from. */
  source: number;
  /** `seq` of that record in its source. */
  seq: number;
  /** Per source: only lines with `seq` below this belong to the paging. */
  highWater: number[];
}

/** The query a cursor belongs to. */
export interface CursorScope {
  /** GPU key. */
  gpuId: string;
  /** Inclusive lower bound (epoch ms); `undefined` for none. */
  startMs: number | undefined;
  /** Inclusive upper bound (epoch ms); `undefined` for none. */
  endMs: number | undefined;
  /** Metric filter, if any. */
  metric: string | undefined;
}

/** A short digest of the query a cursor belongs to (GPU, window, metric). */
export function scopeHash(scope: CursorScope): string {
  const text = JSON.stringify([
    scope.gpuId,
    scope.startMs ?? null,
    scope.endMs ?? null,
    scope.metric ?? null,
  ]);
  return createHash("sha256").update(text, "utf8").digest("base64url").slice(0, 16);
}

/** Encodes UTF-8 text as unpadded base64url (the alphabet of cursors). */
export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Decodes unpadded base64url to UTF-8 text.
 *
 * @throws {Error} when the text is not base64 or not UTF-8
 */
export function fromBase64Url(text: string): string {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/**
 * Encodes a cursor for a query.
 *
 * @param scope the query the cursor continues
 * @param state where the next page starts
 * @returns an opaque URL-safe string
 */
export function encodeCursor(scope: CursorScope, state: CursorState): string {
  const body = { v: 1, k: scopeHash(scope), t: state.ts, i: state.source, q: state.seq };
  return toBase64Url(JSON.stringify({ ...body, h: state.highWater }));
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Decodes a cursor and checks it belongs to this query.
 *
 * @param text the cursor from a previous page's `next_cursor`
 * @param scope the query being asked now
 * @param sources how many sources the query reads now; a cursor from fewer
 *   sources (sources are only appended) gets a high-water mark of 0 for the new ones
 * @returns the paging state
 * @throws {QueryError} (param `cursor`) when the cursor is malformed, not one
 *   of ours, or from a different query
 */
export function decodeCursor(text: string, scope: CursorScope, sources: number): CursorState {
  const bad = (why: string) => new QueryError("cursor", why);
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw bad("unknown cursor; pass the next_cursor of a previous page unchanged");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(text));
  } catch {
    throw bad("unknown cursor; pass the next_cursor of a previous page unchanged");
  }
  const c = parsed as Record<string, unknown>;
  if (
    typeof c !== "object" || c === null || c.v !== 1 || typeof c.k !== "string" ||
    typeof c.t !== "number" || !Number.isFinite(c.t) || !isCount(c.i) ||
    !Number.isSafeInteger(c.q) || (c.q as number) < -1 || !Array.isArray(c.h) ||
    !c.h.every(isCount)
  ) {
    throw bad("unknown cursor; pass the next_cursor of a previous page unchanged");
  }
  if (c.k !== scopeHash(scope)) {
    throw bad("cursor belongs to a different query (gpu, start_time, end_time or metric changed)");
  }
  // Sources are only ever appended (a collector dir appearing under a data
  // dir), so a cursor from fewer sources stays valid: sources added since the
  // first page contribute nothing to this paging.
  if (c.h.length > sources || (c.i as number) >= c.h.length) {
    throw bad("cursor no longer matches the data sources; start paging again");
  }
  const highWater = [...c.h as number[]];
  while (highWater.length < sources) highWater.push(0);
  return { ts: c.t, source: c.i as number, seq: c.q as number, highWater };
}

/**
 * The cursor of a federated telemetry query: the query it belongs to, each
 * collector's own position (its upstream cursor, "not started" or "done"),
 * and the digests of the rows returned at the last timestamp, so a copy of
 * one of them held by another collector is not returned on the next page.
 * Pure.
 *
 * @module
 */

import { QueryError } from "../../query/errors.ts";
import { type CursorScope, fromBase64Url, scopeHash, toBase64Url } from "../../query/cursor.ts";

/** A collector's position: `"s"` not started, `"d"` done, else its own `next_cursor`. */
export type CollectorPosition = string;

/** What a federated cursor holds. */
export interface FederatedCursorState {
  /** Timestamp (epoch ms) of the last row returned; `null` before any. */
  ts: number | null;
  /** Digests of the rows returned (or skipped as copies) at `ts`. */
  seen: string[];
  /** Position per collector id: the collectors this paging reads. */
  positions: Record<string, CollectorPosition>;
}

/** The longest federated cursor accepted, in characters. */
export const MAX_FEDERATED_CURSOR_LENGTH = 7000;

const UNKNOWN = "unknown cursor; pass the next_cursor of a previous page unchanged";

/** Encodes a federated cursor as an opaque URL-safe string. */
export function encodeFederatedCursor(scope: CursorScope, state: FederatedCursorState): string {
  const body = { f: 1, k: scopeHash(scope), t: state.ts, o: state.seen, c: state.positions };
  return toBase64Url(JSON.stringify(body));
}

/**
 * Decodes a federated cursor and checks it belongs to this query.
 *
 * @throws {QueryError} (param `cursor`) when it is malformed, not a federated
 *   cursor, or from a different query
 */
export function decodeFederatedCursor(text: string, scope: CursorScope): FederatedCursorState {
  if (text.length > MAX_FEDERATED_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw new QueryError("cursor", UNKNOWN);
  }
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(fromBase64Url(text));
  } catch {
    throw new QueryError("cursor", UNKNOWN);
  }
  const positions = c?.c as Record<string, unknown> | undefined;
  if (
    typeof c !== "object" || c === null || c.f !== 1 || typeof c.k !== "string" ||
    !(c.t === null || (typeof c.t === "number" && Number.isFinite(c.t))) ||
    !Array.isArray(c.o) || !c.o.every((d) => typeof d === "string") ||
    typeof positions !== "object" || positions === null || Array.isArray(positions) ||
    !Object.values(positions).every((p) => typeof p === "string" && p !== "")
  ) {
    throw new QueryError("cursor", UNKNOWN);
  }
  if (c.k !== scopeHash(scope)) {
    throw new QueryError(
      "cursor",
      "cursor belongs to a different query (gpu, start_time, end_time or metric changed)",
    );
  }
  return {
    ts: c.t as number | null,
    seen: c.o as string[],
    positions: positions as Record<string, string>,
  };
}

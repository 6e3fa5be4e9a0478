// The query API as the page uses it: the bearer token from sessionStorage,
// problem+json errors as ApiError, and telemetry read page by page.

const TOKEN_KEY = "gputel-token";

/** Largest page the API serves (MAX_TELEMETRY_LIMIT). */
export const PAGE_LIMIT = 10_000;

/** An answer other than 2xx: its status and the problem's detail. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** The token kept for this tab, or "". */
export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

/** Keeps (or, given "", forgets) the token for this tab. */
export function saveToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** GETs a JSON document of the API. */
export async function getJson(path, signal) {
  const token = savedToken();
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(path, { headers, signal });
  if (!res.ok) {
    let detail = `${res.status} ${res.statusText}`;
    try {
      const problem = await res.json();
      detail = problem.detail ?? problem.title ?? detail;
    } catch {
      // not problem+json: keep the status line
    }
    throw new ApiError(res.status, detail);
  }
  return await res.json();
}

/**
 * Every record of one metric of a GPU in `startMs`..`endMs`, following
 * `next_cursor` until the last page. `onPage` sees the count so far.
 */
export async function telemetry(id, metric, startMs, endMs, signal, onPage) {
  const q = new URLSearchParams({
    start_time: new Date(startMs).toISOString(),
    end_time: new Date(endMs).toISOString(),
    limit: String(PAGE_LIMIT),
  });
  if (metric) q.set("metric", metric);
  const base = `/api/v1/gpus/${encodeURIComponent(id)}/telemetry?${q}`;
  const records = [];
  let cursor = null;
  do {
    const page = await getJson(
      cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base,
      signal,
    );
    for (const r of page.data) records.push(r);
    cursor = page.next_cursor;
    onPage?.(records.length);
  } while (cursor);
  return records;
}

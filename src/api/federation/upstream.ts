/**
 * Asking one collector's query API: a GET with the shared token and a
 * deadline, whose outcome is an answer, "not found", or a failure that says
 * what went wrong in words a user can act on.
 *
 * @module
 */

/** What one collector said to one GET. */
export type UpstreamResult<T> =
  | { kind: "ok"; url: string; body: T }
  | { kind: "missing"; url: string }
  | { kind: "failed"; url: string; reason: string };

/** Collectors that failed, by base URL (or id, when it has no address now), with what went wrong. */
export type Failures = Map<string, string>;

/** Options of {@linkcode UpstreamClient}. */
export interface UpstreamClientOptions {
  /** A collector that has not answered within this many ms has failed. @default {DEFAULT_COLLECTOR_TIMEOUT_MS} */
  timeoutMs?: number;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** PEM certificates to trust for `https` collectors, beside the system's. */
  caCerts?: string[];
}

/** Default of {@linkcode UpstreamClientOptions.timeoutMs}. */
export const DEFAULT_COLLECTOR_TIMEOUT_MS = 2000;

/** GETs JSON and text from collectors. */
export class UpstreamClient implements Disposable {
  /** A collector that has not answered within this many ms has failed. */
  readonly timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #client: Deno.HttpClient | undefined;

  /** Creates the client. @throws {RangeError} when `timeoutMs` is not positive */
  constructor(options: UpstreamClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_COLLECTOR_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) {
      throw new RangeError(`timeoutMs must be positive, got ${this.timeoutMs}`);
    }
    this.#headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.#client = options.caCerts?.length
      ? Deno.createHttpClient({ caCerts: options.caCerts })
      : undefined;
  }

  /** GETs `url + path` as JSON; 404 is `missing`, anything but 200 a failure. */
  getJson<T>(url: string, path: string): Promise<UpstreamResult<T>> {
    return this.#get(url, path, (res) => res.json() as Promise<T>);
  }

  /** GETs `url + path` as text. */
  getText(url: string, path: string): Promise<UpstreamResult<string>> {
    return this.#get(url, path, (res) => res.text());
  }

  async #get<T>(
    url: string,
    path: string,
    read: (res: Response) => Promise<T>,
  ): Promise<UpstreamResult<T>> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await fetch(url + path, { headers: this.#headers, signal, client: this.#client });
      if (res.status === 404) {
        await res.body?.cancel();
        return { kind: "missing", url };
      }
      if (res.status !== 200) {
        const text = await res.text();
        let detail = text.slice(0, 200);
        try {
          detail = JSON.parse(text).detail ?? detail;
        } catch {
          // not problem+json
        }
        return { kind: "failed", url, reason: `answered ${res.status}: ${detail}` };
      }
      return { kind: "ok", url, body: await read(res) };
    } catch (error) {
      const reason = signal.aborted
        ? `did not answer within ${this.timeoutMs} ms (--collector-timeout)`
        : `cannot be reached: ${error instanceof Error ? error.message : String(error)}`;
      return { kind: "failed", url, reason };
    }
  }

  /** Closes the HTTP client. Safe to call twice. */
  [Symbol.dispose](): void {
    try {
      this.#client?.close();
    } catch {
      // already closed
    }
  }
}

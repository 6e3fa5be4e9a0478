/**
 * Which collectors the federated `api` role asks: a fixed list of base URLs,
 * or the A/AAAA records of a DNS name (a Kubernetes headless Service),
 * re-resolved every few seconds so collectors that come and go are followed.
 *
 * @module
 */

/** How often a `dns:` name is resolved again, ms. */
export const DEFAULT_DNS_REFRESH_MS = 10_000;

/** The parsed `--collectors` value. */
export type CollectorsSpec =
  | { kind: "static"; urls: string[] }
  | { kind: "dns"; scheme: "http" | "https"; name: string; port: number };

const USAGE = "a comma-separated list of http(s)://HOST:PORT URLs, or dns:NAME:PORT " +
  "(dns+https:NAME:PORT for collectors that serve HTTPS)";

/**
 * Parses `--collectors`: `http://c0:8080,http://c1:8080`, `dns:NAME:PORT` or
 * `dns+https:NAME:PORT`.
 *
 * @throws {RangeError} saying what a valid value is
 *
 * @example
 * ```ts
 * parseCollectorsSpec("dns:gputel-collect:8080");
 * // { kind: "dns", scheme: "http", name: "gputel-collect", port: 8080 }
 * ```
 */
export function parseCollectorsSpec(text: string): CollectorsSpec {
  const dns = text.match(/^dns(\+https)?:([A-Za-z0-9.-]+):(\d{1,5})$/);
  if (dns !== null) {
    const port = Number(dns[3]);
    if (port < 1 || port > 65_535) throw new RangeError(`port ${port} is out of range; ${USAGE}`);
    return { kind: "dns", scheme: dns[1] ? "https" : "http", name: dns[2], port };
  }
  if (text.startsWith("dns")) throw new RangeError(`"${text}" is not dns:NAME:PORT; ${USAGE}`);
  const urls: string[] = [];
  for (const part of text.split(",")) {
    let url: URL;
    try {
      url = new URL(part.trim());
    } catch {
      throw new RangeError(`"${part}" is not a URL; ${USAGE}`);
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/") {
      throw new RangeError(`"${part}" must be http(s)://HOST:PORT with no path; ${USAGE}`);
    }
    if (urls.includes(url.origin)) throw new RangeError(`"${part}" is listed twice; ${USAGE}`);
    urls.push(url.origin);
  }
  return { kind: "static", urls };
}

/** Resolves one record type of a name (`Deno.resolveDns` by default). */
export type DnsResolver = (name: string, type: "A" | "AAAA") => Promise<string[]>;

/** Options of {@linkcode CollectorSet}. */
export interface CollectorSetOptions {
  /** What to ask. */
  spec: CollectorsSpec;
  /** Resolves DNS names. @default {Deno.resolveDns} */
  resolve?: DnsResolver;
  /** How often a `dns:` name is resolved again, ms. @default {DEFAULT_DNS_REFRESH_MS} */
  refreshMs?: number;
  /** Called when a resolution fails (the previous addresses stay in use). */
  onResolveError?: (error: unknown) => void;
}

const denoResolve: DnsResolver = (name, type) => Deno.resolveDns(name, type);

/**
 * The current collector base URLs. A static list never changes; a DNS name
 * is resolved at {@linkcode CollectorSet.start} and then every `refreshMs`;
 * a failed resolution keeps the addresses from the last good one.
 */
export class CollectorSet implements AsyncDisposable {
  readonly #options: CollectorSetOptions;
  #urls: string[];
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastError: string | undefined;

  /** Creates the set; call {@linkcode CollectorSet.start} before use. */
  constructor(options: CollectorSetOptions) {
    this.#options = options;
    this.#urls = options.spec.kind === "static" ? [...options.spec.urls] : [];
  }

  /** The base URLs now, sorted (`http://10.0.0.5:8080`). */
  urls(): string[] {
    return [...this.#urls];
  }

  /** Why the last resolution failed, if it did. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Resolves once (for `dns:`) and starts re-resolving. Safe to call once. */
  async start(): Promise<void> {
    const spec = this.#options.spec;
    if (spec.kind !== "dns") return;
    await this.resolveNow();
    const every = this.#options.refreshMs ?? DEFAULT_DNS_REFRESH_MS;
    this.#timer = setInterval(() => void this.resolveNow(), every);
  }

  /** Resolves the DNS name now (both A and AAAA); no-op for a static list. */
  async resolveNow(): Promise<void> {
    const spec = this.#options.spec;
    if (spec.kind !== "dns") return;
    const resolve = this.#options.resolve ?? denoResolve;
    const settled = await Promise.allSettled([
      resolve(spec.name, "A"),
      resolve(spec.name, "AAAA"),
    ]);
    const found = settled.flatMap((s) => s.status === "fulfilled" ? s.value : []);
    if (found.length === 0 && settled.some((s) => s.status === "rejected")) {
      const failure = settled.find((s) => s.status === "rejected") as PromiseRejectedResult;
      this.#lastError = `cannot resolve ${spec.name}: ${failure.reason}`;
      this.#options.onResolveError?.(failure.reason);
      return;
    }
    this.#lastError = undefined;
    this.#urls = [...new Set(found)].map((address) => {
      const host = address.includes(":") ? `[${address}]` : address;
      return `${spec.scheme}://${host}:${spec.port}`;
    }).sort();
  }

  /** Stops re-resolving. Safe to call twice. */
  close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    return Promise.resolve();
  }

  /** Same as {@linkcode CollectorSet.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

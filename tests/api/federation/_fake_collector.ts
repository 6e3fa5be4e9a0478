/**
 * A fake collector API for federation tests: real HTTP on a free port,
 * serving a list of records with paging pinned like the real one (a cursor
 * holds the position and how many records existed when paging began).
 *
 * @module
 */

import type { TelemetryRecord } from "../../../src/record/telemetry_record.ts";

/** A record of GPU `gpu` at `ts` (epoch ms) with metric `n`. */
export function rec(gpu: string, ts: number, n: number): TelemetryRecord {
  return {
    gpu_id: gpu,
    timestamp: new Date(ts).toISOString(),
    metrics: { n },
    labels: { hostname: "h1", gpu_index: "0", uuid: gpu },
  };
}

/** A running fake collector. */
export class FakeCollector implements AsyncDisposable {
  readonly records: TelemetryRecord[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  /** Delay before answering, ms (to test timeouts). */
  delayMs = 0;
  /** Called after each telemetry page is made (to add rows between two reads). */
  afterPage: () => void = () => {};

  /** The `--id` its `/stats` names (none: it answers 404, as a collector before ids would). */
  readonly id: string | undefined;

  constructor(records: TelemetryRecord[] = [], id?: string) {
    this.records.push(...records);
    this.id = id;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  async #handle(req: Request): Promise<Response> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const url = new URL(req.url);
    const page = url.pathname.match(/^\/api\/v1\/gpus\/([^/]+)\/telemetry$/);
    if (page !== null) return this.#page(decodeURIComponent(page[1]), url.searchParams);
    if (url.pathname === "/api/v1/gpus") return Response.json(this.#gpus());
    if (url.pathname === "/stats" && this.id !== undefined) {
      return Response.json({ collector: { id: this.id } });
    }
    if (url.pathname === "/metrics") {
      const lines = [
        "# HELP gputel_collector_records_total records",
        "# TYPE gputel_collector_records_total counter",
        `gputel_collector_records_total ${this.records.length}`,
      ];
      for (const gpu of this.#gpus().gpus) {
        lines.push(`gputel_gpu_n{gpu="0",UUID="${gpu.id}",Hostname="h1"} ${gpu.latest.n}`);
      }
      return new Response(lines.join("\n") + "\n");
    }
    return new Response("{}", { status: 404 });
  }

  #gpus() {
    const byId = new Map<string, TelemetryRecord[]>();
    for (const r of this.records) byId.set(r.gpu_id, [...byId.get(r.gpu_id) ?? [], r]);
    const gpus = [...byId].map(([id, rs]) => {
      const sorted = [...rs].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
      return {
        id,
        hostname: "h1",
        gpu_index: "0",
        model: null,
        first_seen: sorted[0].timestamp,
        last_seen: sorted.at(-1)!.timestamp,
        latest: sorted.at(-1)!.metrics,
      };
    });
    return { total: gpus.length, gpus };
  }

  #page(gpu: string, q: URLSearchParams): Response {
    const cursor = q.get("cursor");
    const limit = Number(q.get("limit") ?? 1000);
    const [from, highWater] = cursor === null
      ? [0, this.records.length]
      : cursor.split(".").map(Number);
    const mine = this.records.slice(0, highWater)
      .map((r, seq) => ({ r, seq }))
      .filter(({ r }) => r.gpu_id === gpu)
      .sort((a, b) => Date.parse(a.r.timestamp) - Date.parse(b.r.timestamp) || a.seq - b.seq);
    if (mine.length === 0 && cursor === null) return new Response("{}", { status: 404 });
    const data = mine.slice(from, from + limit).map(({ r }) => r);
    const next = from + limit < mine.length ? `${from + limit}.${highWater}` : null;
    this.afterPage();
    return Response.json({ data, next_cursor: next });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}

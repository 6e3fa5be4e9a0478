/**
 * Real nats-server processes for tests: a lone JetStream server or a
 * loopback cluster (routes on 127.0.0.1, a store dir each), killable and
 * restartable on the same ports and data. Tests that need one are ignored
 * with {@linkcode NO_NATS} as the reason when nats-server is not installed
 * (`.ci/install.sh` installs it).
 *
 * @module
 */
import { join } from "node:path";
import { freePort, getJson, waitUntil } from "./_harness.ts";

/** Whether `nats-server` is on the PATH. */
export const HAS_NATS: boolean = (() => {
  try {
    return new Deno.Command("nats-server", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** Why NATS tests are skipped. */
export const NO_NATS = "nats-server is not installed (run .ci/install.sh)";

/** One nats-server with JetStream, on fixed ports so it can be restarted. */
export class NatsServer implements AsyncDisposable {
  readonly name: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly config: string;
  #child: Deno.ChildProcess | null = null;
  #log: string;

  private constructor(
    name: string,
    port: number,
    monitorPort: number,
    config: string,
    log: string,
  ) {
    this.name = name;
    this.port = port;
    this.monitorPort = monitorPort;
    this.config = config;
    this.#log = log;
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.#child !== null;
  }

  /**
   * Writes the config and starts the server; `cluster` routes it to its
   * peers; `extra` lines go into the config as they are (auth, TLS).
   */
  static async start(
    dir: string,
    name = "n1",
    cluster?: { port: number; routes: number[] },
    extra: string[] = [],
  ): Promise<NatsServer> {
    await Deno.mkdir(join(dir, name), { recursive: true });
    const port = freePort();
    const monitor = freePort();
    const lines = [
      `server_name: ${name}`,
      `listen: "127.0.0.1:${port}"`,
      `http: "127.0.0.1:${monitor}"`,
      `jetstream { store_dir: "${join(dir, name, "js")}" }`,
    ];
    if (cluster) {
      const routes = cluster.routes.map((p) => `"nats-route://127.0.0.1:${p}"`).join(", ");
      lines.push(
        `cluster { name: gputel, listen: "127.0.0.1:${cluster.port}", routes: [${routes}] }`,
      );
    }
    lines.push(...extra);
    const config = join(dir, name, "server.conf");
    await Deno.writeTextFile(config, lines.join("\n") + "\n");
    const s = new NatsServer(name, port, monitor, config, join(dir, name, "server.log"));
    s.#spawn();
    if (!cluster) await s.ready();
    return s;
  }

  /** Waits until the server says JetStream is healthy (`/healthz`). */
  async ready(timeoutMs = 30_000): Promise<void> {
    await waitUntil(`${this.name} healthy`, async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${this.monitorPort}/healthz`);
        await r.body?.cancel();
        return r.ok;
      } catch {
        return false;
      }
    }, timeoutMs);
  }

  /** Starts the server again on its ports and store. */
  restart(): void {
    if (!this.#child) this.#spawn();
  }

  /** Sends `signal` and, for SIGKILL/SIGTERM, reaps the process. */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
    if (signal === "SIGKILL" || signal === "SIGTERM") {
      await child.status;
      this.#child = null;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill("SIGKILL");
  }

  #spawn(): void {
    this.#child = new Deno.Command("nats-server", {
      args: ["-c", this.config, "-l", this.#log],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
  }
}

/** Three servers routed to each other on loopback, each with its own store dir. */
export async function startCluster(dir: string, size = 3): Promise<NatsServer[]> {
  const ports = Array.from({ length: size }, () => freePort());
  const servers: NatsServer[] = [];
  for (let i = 0; i < size; i++) {
    const routes = ports.filter((_, j) => j !== i);
    servers.push(await NatsServer.start(dir, `n${i + 1}`, { port: ports[i], routes }));
  }
  await Promise.all(servers.map((s) => s.ready(60_000)));
  return servers;
}

/**
 * Registers a test that needs nats-server; without it the test is ignored
 * and its name says why.
 */
export function natsTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name: HAS_NATS ? name : `${name} (ignored: ${NO_NATS})`, ignore: !HAS_NATS, fn });
}

/** What the query API returned for a whole data dir. */
export interface ApiRows {
  /** Records returned, summed over every GPU's pages. */
  records: number;
  /** Distinct rows among them: (GPU, metric, source timestamp) is one CSV row. */
  distinct: number;
}

/** Reads every GPU's telemetry through the API at `base`, page by page. */
export async function apiRows(base: string): Promise<ApiRows> {
  const list = await getJson<{ gpus: { id: string }[] }>(`${base}/api/v1/gpus`);
  const rows = new Set<string>();
  let records = 0;
  for (const gpu of list.gpus) {
    const path = `${base}/api/v1/gpus/${encodeURIComponent(gpu.id)}/telemetry?limit=10000`;
    for (let url = path;;) {
      const page = await getJson<{ data: ApiRecord[]; next_cursor: string | null }>(url);
      for (const r of page.data) {
        records++;
        rows.add(`${gpu.id}|${Object.keys(r.metrics).join()}|${r.source_timestamp}`);
      }
      if (page.next_cursor === null) break;
      url = `${path}&cursor=${page.next_cursor}`;
    }
  }
  return { records, distinct: rows.size };
}

interface ApiRecord {
  metrics: Record<string, number>;
  source_timestamp?: string;
}

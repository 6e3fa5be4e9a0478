/**
 * Real nats-server processes for tests: a lone JetStream server or a
 * loopback cluster (routes on 127.0.0.1, a store dir each), killable and
 * restartable on the same ports and data. A server's client and monitoring
 * ports are bound by the server itself (`-1`, read back from its ports
 * file) and kept for its restarts; only a cluster's route ports are chosen
 * before it starts, since every server's config lists them all. Tests that need one are ignored
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

/** One nats-server with JetStream, restartable on the ports it first got. */
export class NatsServer implements AsyncDisposable {
  readonly name: string;
  readonly config: string;
  #port = 0;
  #monitorPort = 0;
  #child: Deno.ChildProcess | null = null;
  #log: string;
  #dir: string;

  private constructor(name: string, config: string, dir: string) {
    this.name = name;
    this.config = config;
    this.#dir = dir;
    this.#log = join(dir, "server.log");
  }

  /** Its client port. */
  get port(): number {
    return this.#port;
  }

  /** Its monitoring (HTTP) port. */
  get monitorPort(): number {
    return this.#monitorPort;
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
    const home = join(dir, name);
    await Deno.mkdir(home, { recursive: true });
    const lines = [
      `server_name: ${name}`,
      `listen: "127.0.0.1:-1"`,
      `http: "127.0.0.1:-1"`,
      `jetstream { store_dir: "${join(home, "js")}" }`,
    ];
    if (cluster) {
      const routes = cluster.routes.map((p) => `"nats-route://127.0.0.1:${p}"`).join(", ");
      lines.push(
        `cluster { name: gputel, listen: "127.0.0.1:${cluster.port}", routes: [${routes}] }`,
      );
    }
    lines.push(...extra);
    const config = join(home, "server.conf");
    await Deno.writeTextFile(config, lines.join("\n") + "\n");
    const s = new NatsServer(name, config, home);
    await s.#spawn();
    // Restarts bind the ports this start got.
    const fixed = lines.map((l) =>
      l.replace('"127.0.0.1:-1"', `"127.0.0.1:${l.startsWith("http") ? s.#monitorPort : s.#port}"`)
    );
    await Deno.writeTextFile(config, fixed.join("\n") + "\n");
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
  async restart(): Promise<void> {
    if (!this.#child) await this.#spawn();
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

  /** Spawns the server and reads the ports it bound from its ports file. */
  async #spawn(): Promise<void> {
    const child = new Deno.Command("nats-server", {
      args: ["-c", this.config, "-l", this.#log, "--ports_file_dir", this.#dir],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
    this.#child = child;
    const file = join(this.#dir, `nats-server_${child.pid}.ports`);
    let ports: { nats: string[]; monitoring: string[] } | undefined;
    await waitUntil(`${this.name}'s ports file`, async () => {
      ports = await Deno.readTextFile(file).then(JSON.parse).catch(() => undefined);
      return ports !== undefined;
    });
    const portOf = (url: string) => Number(new URL(url).port);
    [this.#port, this.#monitorPort] = [portOf(ports!.nats[0]), portOf(ports!.monitoring[0])];
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

/**
 * The processes of a chaos run: one broker on fixed ports and data dir, and
 * collectors of one group, each with a stable id and API port, that can be
 * killed, stopped, continued and restarted by signal. Each process binds
 * port 0 on its first start; a restart binds the port it got then, as a real
 * restart would (clients reconnect to that address).
 *
 * @module
 */
import { join } from "node:path";
import { type Gputel, roleReady, spawnRole, startRole } from "./_harness.ts";

/** Every fault a chaos run can inject, counted. */
export interface FaultCounts {
  brokerSigkill: number;
  brokerSigterm: number;
  brokerSigstop: number;
  collectorSigkill: number;
  collectorSigterm: number;
  collectorSigstop: number;
}

/** Broker settings of a chaos run: short timeouts so faults resolve within seconds. */
export const CHAOS_BROKER_FLAGS = [
  "--partitions",
  "16",
  "--ack-timeout",
  "3s",
  "--session-timeout",
  "5s",
];

/** The broker and collectors of a chaos run. */
export class ChaosCluster implements AsyncDisposable {
  readonly root: string;
  /** The broker's TCP port: 0 until its first start. */
  port = 0;
  /** The broker's admin port: 0 until its first start. */
  adminPort = 0;
  readonly collectDir: string;
  readonly faults: FaultCounts = {
    brokerSigkill: 0,
    brokerSigterm: 0,
    brokerSigstop: 0,
    collectorSigkill: 0,
    collectorSigterm: 0,
    collectorSigstop: 0,
  };
  broker: Gputel | undefined;
  /** Collector id → its process while running (stopped ones included). */
  readonly collectors = new Map<string, Gputel>();
  /** Collector id → its API port (bound on its first start, kept across restarts). */
  readonly apiPorts = new Map<string, number>();
  /** Processes stopped by SIGSTOP, continued later. */
  readonly stopped = new Set<Gputel>();
  readonly #exited: Gputel[] = [];

  /** @param root a temporary dir the run owns */
  constructor(root: string) {
    this.root = root;
    this.collectDir = join(root, "collect");
  }

  /** `host:port` of the broker. */
  get brokerAddr(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the broker (again) and waits for its admin API. */
  async startBroker(): Promise<void> {
    const started = await startRole(
      [
        "broker",
        ...["--port", String(this.port), "--admin-port", String(this.adminPort)],
        ...["--data-dir", join(this.root, "broker")],
        ...CHAOS_BROKER_FLAGS,
      ],
      ["tcp", "admin"],
      { timeoutMs: 60_000 },
    );
    [this.broker, this.port, this.adminPort] = [started.proc, started.tcp, started.admin];
  }

  /** Signals the broker; SIGKILL and SIGTERM are followed by a restart after `downMs`. */
  async faultBroker(signal: "SIGKILL" | "SIGTERM" | "SIGSTOP", downMs: number): Promise<void> {
    const b = this.broker!;
    if (signal === "SIGSTOP") {
      this.faults.brokerSigstop++;
      await this.pause(b, downMs);
      return;
    }
    this.faults[signal === "SIGKILL" ? "brokerSigkill" : "brokerSigterm"]++;
    b.kill(signal);
    await b.wait();
    this.#exited.push(b);
    await sleep(downMs);
    await this.startBroker();
  }

  /** Starts collector `id` (a new one, or a restart on its own dir). */
  async startCollector(id: string): Promise<void> {
    const proc = spawnRole([
      "collect",
      ...["--broker", this.brokerAddr, "--data-dir", this.collectDir, "--id", id],
      ...["--workers", "1", "--api-port", String(this.apiPorts.get(id) ?? 0)],
    ], ["api"]);
    // Known as running at once: a scale-up deciding what to start next sees it.
    this.collectors.set(id, proc);
    const { api } = await roleReady(proc, ["api"], { timeoutMs: 60_000 });
    this.apiPorts.set(id, api);
  }

  /** Signals a collector: SIGKILL and SIGTERM end it (wait for exit); SIGSTOP pauses it `ms`. */
  async faultCollector(id: string, signal: "SIGKILL" | "SIGTERM" | "SIGSTOP", ms = 0) {
    const c = this.collectors.get(id)!;
    if (signal === "SIGSTOP") {
      this.faults.collectorSigstop++;
      await this.pause(c, ms);
      return;
    }
    this.faults[signal === "SIGKILL" ? "collectorSigkill" : "collectorSigterm"]++;
    this.collectors.delete(id);
    c.kill(signal);
    await c.wait();
    this.#exited.push(c);
  }

  /** SIGSTOPs a process for `ms`, then SIGCONTs it. */
  async pause(p: Gputel, ms: number): Promise<void> {
    p.kill("SIGSTOP");
    this.stopped.add(p);
    await sleep(ms);
    p.kill("SIGCONT");
    this.stopped.delete(p);
  }

  /** Running collectors that are not stopped, in id order. */
  runnable(): string[] {
    return [...this.collectors].filter(([, c]) => !this.stopped.has(c)).map(([id]) => id).sort();
  }

  /** Output of every process so far, for a failure message. */
  output(): string {
    const all = [...this.#exited, this.broker, ...this.collectors.values()];
    return all.filter((p) => p).map((p) =>
      `--- ${p!.args.slice(0, 6).join(" ")}\n${p!.output.slice(-3000)}`
    )
      .join("\n");
  }

  /** SIGTERMs every collector and the broker and waits for them. */
  async stopAll(): Promise<void> {
    for (const p of this.stopped) p.kill("SIGCONT");
    const all = [...this.collectors.values()];
    this.collectors.clear();
    for (const c of all) c.kill("SIGTERM");
    for (const c of all) this.#exited.push(c), await c.wait();
    this.broker?.kill("SIGTERM");
    await this.broker?.wait();
  }

  /** SIGKILLs whatever still runs. */
  async [Symbol.asyncDispose](): Promise<void> {
    for (const p of [this.broker, ...this.collectors.values()]) {
      if (!p) continue;
      p.kill("SIGCONT");
      await p[Symbol.asyncDispose]();
    }
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The systems users would otherwise pick, on the same machine, same
 * payloads, same counts: NATS core, NATS JetStream (file storage, acked
 * publish, acked pull consumer) and Redis Streams (AOF always / everysec).
 * A server missing from PATH gives a skipped row, not a failure.
 *
 * @module
 */
import { type BenchResult, fromReports, skipped } from "./_result.ts";
import { freePort, onPath, Proc, ROOT, startNatsServer, waitForPort } from "./_procs.ts";
import type { ClientReport } from "./_stats.ts";

const NATS = `${ROOT}bench/nats_client.ts`;
const REDIS = `${ROOT}bench/redis_client.ts`;

interface PairRun {
  script: string;
  port: number;
  pubMode: string;
  subMode: string;
  messages: number;
  size: number;
}

/** One publisher and one subscriber process against a running server. */
async function pair(run: PairRun): Promise<ClientReport[]> {
  const common = [
    "--port",
    String(run.port),
    "--count",
    String(run.messages),
    "--size",
    String(run.size),
  ];
  const sub = Proc.deno("sub", run.script, [run.subMode, ...common]);
  try {
    await sub.json();
    const pub = Proc.deno("pub", run.script, [run.pubMode, ...common]);
    try {
      const reports = await Promise.all([pub.json<ClientReport>(), sub.json<ClientReport>()]);
      await Promise.all([pub.finish(), sub.finish()]);
      return reports;
    } finally {
      await pub.stop();
    }
  } finally {
    await sub.stop();
  }
}

/** NATS core and JetStream rows. */
export async function benchNats(
  messages: { core: number; js: number },
  size: number,
): Promise<BenchResult[]> {
  // A count of 0 leaves that kind out.
  const kinds = (["core", "js"] as const).filter((k) => messages[k] > 0);
  if (!(await onPath("nats-server"))) {
    return kinds.map((k) =>
      skipped(
        "1 pub + 1 sub",
        k === "core" ? "nats-core" : "nats-jetstream",
        "nats-server not on PATH (apt-get install nats-server)",
      )
    );
  }
  const out: BenchResult[] = [];
  for (const kind of kinds) {
    const dir = await Deno.makeTempDir({ prefix: "gputel-nats-" });
    const { proc: server, port } = await startNatsServer(dir);
    try {
      if (kind === "js") {
        await runSetup("js-setup", NATS, "js-setup", port);
      }
      const n = kind === "core" ? messages.core : messages.js;
      const reports = await pair({
        script: NATS,
        port,
        pubMode: `${kind}-pub`,
        subMode: `${kind}-sub`,
        messages: n,
        size,
      });
      out.push(fromReports(
        {
          scenario: "1 pub + 1 sub",
          system: kind === "core" ? "nats-core" : "nats-jetstream (file)",
          persisted: kind === "js",
          acked: kind === "js",
          note: kind === "js" ? "nats-server 2.9 file store, default sync (lazy fsync)" : undefined,
        },
        reports,
        size,
      ));
    } catch (e) {
      out.push(
        skipped(
          "1 pub + 1 sub",
          kind === "core" ? "nats-core" : "nats-jetstream (file)",
          `failed: ${(e as Error).message.slice(0, 200)}`,
        ),
      );
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
  return out;
}

/** Redis Streams rows, with AOF fsync always and everysec. */
export async function benchRedis(messages: number, size: number): Promise<BenchResult[]> {
  if (!(await onPath("redis-server"))) {
    return ["always", "everysec"].map((f) =>
      skipped(
        "1 pub + 1 sub",
        `redis-streams (aof ${f})`,
        "redis-server not on PATH (apt-get install redis-server)",
      )
    );
  }
  const out: BenchResult[] = [];
  for (const fsync of ["always", "everysec"]) {
    const dir = await Deno.makeTempDir({ prefix: "gputel-redis-" });
    const port = freePort();
    const server = new Proc("redis-server", "redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "yes",
      "--appendfsync",
      fsync,
      "--dir",
      dir,
    ]);
    try {
      await waitForPort(port);
      await runSetup("redis-setup", REDIS, "setup", port);
      const reports = await pair({
        script: REDIS,
        port,
        pubMode: "pub",
        subMode: "sub",
        messages,
        size,
      });
      out.push(fromReports(
        {
          scenario: "1 pub + 1 sub",
          system: `redis-streams (aof ${fsync})`,
          persisted: true,
          acked: true,
        },
        reports,
        size,
      ));
    } catch (e) {
      out.push(
        skipped(
          "1 pub + 1 sub",
          `redis-streams (aof ${fsync})`,
          `failed: ${(e as Error).message.slice(0, 200)}`,
        ),
      );
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
  return out;
}

/** Runs a client script's setup mode (stream, consumer group) against `port` and waits for it. */
export async function runSetup(
  name: string,
  script: string,
  mode: string,
  port: number,
): Promise<void> {
  const setup = Proc.deno(name, script, [mode, "--port", String(port), "--count", "0"]);
  await setup.json();
  await setup.finish();
}

import assert from "node:assert/strict";
import { type CliRun, parseCli } from "../../src/cli/parse.ts";
import { runRoles } from "../../src/cli/run.ts";
import {
  brokerLink,
  roleContext,
  startBroker,
  startCollect,
  startingSignal,
} from "../../src/cli/start_roles.ts";
import { createLogger, type Logger } from "../../src/obs/log.ts";
import { portRefused, waitUntil, withDir, within } from "../_helpers.ts";

const SAMPLE = new URL("../../data/sample.csv", import.meta.url).pathname;

function plan(args: string[]): CliRun {
  const result = parseCli(args, {}, { hostname: "test-host" });
  assert.equal(result.kind, "run");
  return result as CliRun;
}

/** A logger that keeps each line's message and fields. */
function recording(): { logger: Logger; lines: Record<string, string>[] } {
  const lines: Record<string, string>[] = [];
  return {
    logger: createLogger({ format: "json", write: (l) => lines.push(JSON.parse(l)) }),
    lines,
  };
}

/** The broker's client port, from its start line. */
function brokerPort(lines: Record<string, string>[]): number {
  const line = lines.find((l) => l.msg === "broker listening");
  assert.ok(line !== undefined, "the broker did not start");
  return Number(line.tcp.split(":").at(-1));
}

Deno.test("runRoles stops every role of a mix on the signal and reports the stream's outcome", async () => {
  const { logger, lines } = recording();
  const run = plan([
    "broker,stream",
    ...["--no-persist", "--port", "0", "--admin-port", "0"],
    ...["--csv", SAMPLE, "--rate", "20", "--quiet"],
  ]);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 1_500);
  try {
    const outcome = await runRoles(run, logger, controller.signal);
    assert.equal(outcome.code, 0);
    assert.ok(outcome.stream !== undefined && outcome.stream.published > 0, "published nothing");
    assert.equal(outcome.stream.confirmed, outcome.stream.published);
    assert.ok(await portRefused(brokerPort(lines)), "the broker still listens");
  } finally {
    clearTimeout(timer);
  }
});

Deno.test("a started broker and collector do not stop on the process signal themselves: runRoles stops them after the stream", async () => {
  // Were they to hear the signal, the broker would close while the stream of
  // the same process still drains its batches into it (rows left unconfirmed).
  const { logger, lines } = recording();
  await withDir(async (dataDir) => {
    const run = plan([
      "broker,collect",
      ...["--no-persist", "--port", "0", "--admin-port", "0", "--api-port", "0"],
      ...["--data-dir", dataDir],
    ]);
    const controller = new AbortController();
    const ctx = await roleContext(run, logger, controller.signal);
    const broker = await startBroker(ctx);
    const collect = await startCollect(ctx, await brokerLink(ctx, broker));
    const api = collect.apiAddr.port;
    controller.abort();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!(await portRefused(brokerPort(lines))), "the broker stopped on the signal");
    assert.ok(!(await portRefused(api)), "the collector stopped on the signal");
    await collect[Symbol.asyncDispose]();
    await broker[Symbol.asyncDispose]();
    assert.ok(await portRefused(brokerPort(lines)), "the broker still listens after its close");
    assert.ok(await portRefused(api), "the collector still listens after its close");
  });
});

Deno.test("startingSignal follows the process's signal until the role has started, not after", () => {
  const before = new AbortController();
  const starting = startingSignal(before.signal);
  before.abort();
  assert.equal(starting.signal.aborted, true);

  const after = new AbortController();
  const started = startingSignal(after.signal);
  started.started();
  after.abort();
  assert.equal(started.signal.aborted, false);

  const already = new AbortController();
  already.abort();
  assert.equal(startingSignal(already.signal).signal.aborted, true);
});

Deno.test("runRoles closes the roles it started when a later one cannot start", async () => {
  const { logger, lines } = recording();
  const dataDir = await Deno.makeTempDir({ prefix: "gputel-run-" });
  try {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const run = plan([
      "broker,api",
      ...["--no-persist", "--port", "0", "--admin-port", "0"],
      ...["--data-dir", dataDir, "--api-port", String(taken.addr.port)],
    ]);
    await assert.rejects(
      runRoles(run, logger, new AbortController().signal),
      Deno.errors.AddrInUse,
    );
    assert.ok(await portRefused(brokerPort(lines)), "the broker still listens");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("runRoles stops a collector still joining a broker that does not answer when the signal aborts", async () => {
  const { logger, lines } = recording();
  await withDir(async (dataDir) => {
    const run = plan([
      "collect",
      ...["--broker", "127.0.0.1:1", "--data-dir", dataDir, "--api-port", "0"],
    ]);
    const controller = new AbortController();
    const running = runRoles(run, logger, controller.signal);
    await waitUntil("a member retrying", () => lines.some((l) => /retrying in/.test(l.msg)));
    controller.abort();
    assert.equal((await within(running, 30_000, "runRoles after the abort")).code, 0);
  });
});

import assert from "node:assert/strict";
import { type CliRun, parseCli } from "../../src/cli/parse.ts";
import { runRoles } from "../../src/cli/run.ts";
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

/**
 * Starts the roles of a parsed command line in one process (broker first,
 * then collect and api, then stream), wires them together and stops them in
 * reverse order on the signal. Each role is an `AsyncDisposable` object from
 * its starter in `start_roles.ts`; this file only orders them.
 *
 * @module
 */
import type { BrokerRole } from "../broker/role.ts";
import type { CollectRole } from "../roles/collect.ts";
import type { Logger } from "../obs/log.ts";
import type { StreamResult } from "../stream/role_options.ts";
import type { CliRun } from "./parse.ts";
import type { Role } from "./roles.ts";
import {
  brokerLink,
  roleContext,
  startApi,
  startBroker,
  startCollect,
  startStream,
} from "./start_roles.ts";
import { join } from "node:path";

/** What a finished run reports back to main. */
export interface RunOutcome {
  /** Process exit code: 0 on success. */
  code: number;
  /** Outcome of the stream role, when one ran. */
  stream?: StreamResult;
}

/**
 * Runs the roles until `signal` aborts (or, for a stream-only process, until
 * the stream ends).
 *
 * @throws {StoreLockedError} when a collector's dir is held by another process
 * @throws {UsageError} when a token or TLS file cannot be read (naming the flag)
 */
export async function runRoles(
  run: CliRun,
  logger: Logger,
  signal: AbortSignal,
): Promise<RunOutcome> {
  const has = (role: Role) => run.roles.includes(role);
  if (has("compact")) {
    const { runCompact } = await import("./compact.ts");
    return { code: await runCompact(run.options.dataDir, logger) };
  }
  const ctx = await roleContext(run, logger, signal);
  await using roles = new AsyncDisposableStack();
  const broker = has("broker") ? roles.use(await startBroker(ctx)) : undefined;
  const link = await brokerLink(ctx, broker);
  const collect = has("collect") ? roles.use(await startCollect(ctx, link)) : undefined;
  const api = has("api") ? roles.use(await startApi(ctx)) : undefined;
  const serving = broker !== undefined || collect !== undefined || api !== undefined;
  if (run.demo) printDemoUrls(broker, collect);
  let outcome: RunOutcome = { code: 0 };
  if (has("stream")) {
    const stream = roles.use(await startStream(ctx, link));
    const result = await stream.done;
    outcome = { code: result === undefined || result.unconfirmed === 0 ? 0 : 1, stream: result };
    // A stream alone exits when done; with servers in the process, a demo
    // bounded by --duration exits too, anything else keeps serving.
    if (!serving || (run.demo && run.options.durationMs > 0)) return outcome;
  }
  await aborted(signal);
  return outcome;
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

function printDemoUrls(broker: BrokerRole | undefined, collect: CollectRole | undefined): void {
  const api = collect && `http://${collect.apiAddr.hostname}:${collect.apiAddr.port}`;
  const admin = broker && `http://${broker.adminAddr.hostname}:${broker.adminAddr.port}`;
  const lines = [
    "",
    "gputel demo is running. Try:",
    api && `  curl ${api}/api/v1/gpus`,
    api && `  curl '${api}/api/v1/gpus/<id>/telemetry?limit=5'`,
    api && `  curl ${api}/openapi.json`,
    admin && `  curl ${admin}/stats`,
    "Press Ctrl-C to stop.",
    "",
  ].filter(Boolean);
  console.log(lines.join("\n"));
}

/** The bundled sample, next to main.ts (also inside a compiled binary). */
export function bundledSample(mainDir: string): string {
  return join(mainDir, "data", "sample.csv");
}

/**
 * gputel: a GPU telemetry pipeline in one executable.
 *
 * @example
 * ```sh
 * deno run -A main.ts demo
 * deno run -A main.ts broker,collect --data-dir ./data
 * deno run -A main.ts stream --csv data/sample.csv --rate 0 --no-loop
 * ```
 *
 * @module
 */
import denoJson from "./deno.json" with { type: "json" };
import {
  checkRunFiles,
  localHostname,
  parseCli,
  readGputelEnv,
  readNodeName,
  UsageError,
} from "./src/cli/mod.ts";
import { bundledSample, runRoles } from "./src/cli/run.ts";
import { StoreLockedError } from "./src/collect/errors.ts";
import { createLogger } from "./src/obs/log.ts";

/** Runs the CLI and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let run;
  try {
    const parsed = parseCli(args, readGputelEnv(), {
      version: denoJson.version,
      hostname: localHostname(),
      nodeName: readNodeName(),
      demoCsv: bundledSample(import.meta.dirname ?? "."),
    });
    if (parsed.kind !== "run") {
      console.log(parsed.text);
      return 0;
    }
    run = parsed;
    await checkRunFiles(run);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const role = args[0] && !args[0].startsWith("-") ? ` ${args[0]}` : "";
    console.error(`gputel: ${err.message}\nrun 'gputel${role} --help' for usage`);
    return 2;
  }

  const logger = createLogger({ format: run.options.logFormat });
  const controller = new AbortController();
  const stop = (sig: Deno.Signal) => () => {
    if (controller.signal.aborted) {
      logger.warn(`second ${sig}: exiting now`);
      Deno.exit(130);
    }
    logger.info(`${sig} received: finishing in-flight work`);
    controller.abort();
  };
  const onInt = stop("SIGINT");
  const onTerm = stop("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  try {
    const outcome = await runRoles(run, logger, controller.signal);
    return outcome.code;
  } catch (err) {
    if (err instanceof UsageError || err instanceof StoreLockedError) {
      console.error(`gputel: ${err.message}`);
      return 2;
    }
    console.error(`gputel: ${(err as Error).message}`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

/**
 * gputel's command line: the flag table, `parseCli`, help text, and the edge
 * helpers that read the environment and check files.
 *
 * @example
 * ```ts
 * import { checkRunFiles, localHostname, parseCli, readGputelEnv, UsageError } from "./mod.ts";
 *
 * try {
 *   const result = parseCli(Deno.args, readGputelEnv(), { version: "0.1.0", hostname: localHostname() });
 *   if (result.kind !== "run") console.log(result.text);
 *   else await checkRunFiles(result);
 * } catch (error) {
 *   if (!(error instanceof UsageError)) throw error;
 *   console.error(`gputel: ${error.message}`);
 *   Deno.exit(2);
 * }
 * ```
 *
 * @module
 */

export { checkReadableFile, checkRunFiles } from "./check_file.ts";
export { MAX_DURATION_MS, parseDuration } from "./duration.ts";
export { localHostname, readGputelEnv, readNodeName } from "./env.ts";
export { UsageError } from "./errors.ts";
export {
  type AnyFlagSpec,
  envNameOf,
  type FlagSpec,
  type FlagType,
  placeholderOf,
} from "./flag_spec.ts";
export { DEMO_REFUSED, findFlag, FLAGS, flagsFor } from "./flags.ts";
export { commandHelp, mainHelp } from "./help.ts";
export type { GputelOptions, HostPort, RowFilter, Shard } from "./options.ts";
export {
  type CliContext,
  type CliHelp,
  type CliResult,
  type CliRun,
  type CliVersion,
  parseCli,
} from "./parse.ts";
export { type Command, commandName, DEMO_ROLES, parseCommand, type Role, ROLES } from "./roles.ts";
export { parseSize } from "./size.ts";
export {
  parseBool,
  parseHost,
  parseHostPort,
  parseIntInRange,
  parseName,
  parseNonEmpty,
  parseNumberAtLeast,
  parseRowFilter,
  parseShard,
  toName,
} from "./values.ts";

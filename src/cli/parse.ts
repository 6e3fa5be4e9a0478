/**
 * `parseCli`: command line and `GPUTEL_*` environment to a run plan, help
 * text, or a version request. Pure: no I/O, no `Deno.args`, no `Deno.env`.
 *
 * @module
 */

import { UsageError } from "./errors.ts";
import { type AnyFlagSpec, envNameOf, placeholderOf } from "./flag_spec.ts";
import { DEMO_REFUSED, findFlag, FLAGS, flagsFor } from "./flags.ts";
import { checkStreamFlags } from "./flags_stream.ts";
import { resolveSource } from "./flags_live.ts";
import { checkNatsOnlyFlags } from "./flags_nats.ts";
import { commandHelp, mainHelp } from "./help.ts";
import type { GputelOptions } from "./options.ts";
import { type Command, commandName, parseCommand, type Role } from "./roles.ts";
import { toName } from "./values.ts";

/** Run the roles with these options. */
export interface CliRun {
  /** Discriminant. */
  kind: "run";
  /** Roles to start, in start order: broker, collect, api, stream. */
  roles: Role[];
  /** Every flag resolved: command line over environment over default. */
  options: GputelOptions;
  /** True for `gputel demo` (roles broker, collect, stream; `csv` is the bundled sample). */
  demo: boolean;
  /**
   * True when the roles include broker and stream or collect, and `--broker`
   * was not given: they should connect to this process's broker at the address
   * it actually bound (`options.broker` holds `--host:--port`; the port may be 0).
   */
  brokerIsLocal: boolean;
  /** Where each option given by the user came from: `"--csv"` or `"GPUTEL_CSV"`. */
  sources: Partial<Record<keyof GputelOptions, string>>;
}

/** Print `text` (to stdout) and exit 0. */
export interface CliHelp {
  /** Discriminant. */
  kind: "help";
  /** Help text, lines of at most 100 columns, ending in a newline. */
  text: string;
}

/** Print `text` (to stdout) and exit 0. */
export interface CliVersion {
  /** Discriminant. */
  kind: "version";
  /** `gputel <version>`. */
  text: string;
}

/** What {@linkcode parseCli} asks the caller to do. */
export type CliResult = CliRun | CliHelp | CliVersion;

/** Facts about the process that `parseCli` may not look up itself. */
export interface CliContext {
  /** The version `--version` prints. @default "unknown" */
  version?: string;
  /** Default for `--id` (made a valid name). @default "localhost" */
  hostname?: string;
  /** The CSV `gputel demo` streams. @default "data/sample.csv" */
  demoCsv?: string;
  /** `NODE_NAME` (Kubernetes): the default `--hostname`, before `hostname`. */
  nodeName?: string;
}

const HELP = new Set(["help", "--help", "-h"]);
const VERSION = new Set(["version", "--version"]);

/**
 * Parses a gputel command line.
 *
 * Precedence is flag, then `GPUTEL_<FLAG>` (empty values count as unset),
 * then default. Environment variables of flags the roles do not have are
 * ignored, so one environment can serve every role.
 *
 * @param args the arguments after the executable (`Deno.args`)
 * @param env `GPUTEL_*` variables (see `readGputelEnv`)
 * @param context version, host name and demo CSV path
 * @throws {UsageError} one line naming the flag, variable or role at fault
 *
 * @example
 * ```ts
 * const result = parseCli(["stream", "--csv", "m.csv", "--rate", "0"], {});
 * // { kind: "run", roles: ["stream"], options: { rate: 0, csv: "m.csv", … }, … }
 * ```
 */
export function parseCli(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  context: CliContext = {},
): CliResult {
  const version: CliVersion = { kind: "version", text: `gputel ${context.version ?? "unknown"}` };
  const [word, ...rest] = args;
  if (word === undefined || HELP.has(word)) {
    const topic = rest.find((arg) => !arg.startsWith("-"));
    const text = topic === undefined ? mainHelp(context.version) : commandHelp(parseCommand(topic));
    return { kind: "help", text };
  }
  if (VERSION.has(word)) return version;
  if (word.startsWith("-")) {
    throw new UsageError(`expected a role before any flag (e.g. gputel broker), got "${word}"`);
  }
  const command = parseCommand(word);
  if (rest.some((arg) => HELP.has(arg) && arg !== "help")) {
    return { kind: "help", text: commandHelp(command) };
  }
  if (rest.includes("--version")) return version;
  return resolve(command, scan(rest, command), env, context);
}

/** Raw values per flag from the command line, in order. */
function scan(args: readonly string[], command: Command): Map<AnyFlagSpec, string[]> {
  const allowed = flagsFor(command);
  const found = new Map<AnyFlagSpec, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("-") || arg === "-" || arg === "--") {
      throw new UsageError(`unexpected argument "${arg}" (flags start with --)`);
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") ? arg.slice(2, eq < 0 ? undefined : eq) : "";
    const flag = findFlag(name);
    if (flag === undefined) throw unknownFlag(arg, name, allowed);
    if (!allowed.includes(flag)) throw notAFlagOf(flag, command);
    let value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined && flag.type === "bool") value = "true";
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new UsageError(`--${name} needs a value: ${flag.expect}`);
      }
      value = next;
      i++;
    }
    const values = found.get(flag) ?? [];
    if (values.length > 0 && flag.type !== "repeatable string") {
      throw new UsageError(`--${name} was given twice; it takes one value`);
    }
    found.set(flag, [...values, value]);
  }
  return found;
}

function resolve(
  command: Command,
  given: Map<AnyFlagSpec, string[]>,
  env: Readonly<Record<string, string | undefined>>,
  context: CliContext,
): CliRun {
  const allowed = flagsFor(command);
  const options: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const flag of FLAGS) {
    const repeatable = flag.type === "repeatable string";
    let raw = given.get(flag);
    let label = `--${flag.name}`;
    const envValue = env[envNameOf(flag)];
    if (raw === undefined && allowed.includes(flag) && envValue !== undefined && envValue !== "") {
      raw = repeatable ? envValue.split(",") : [envValue];
      label = envNameOf(flag);
    }
    if (raw !== undefined) {
      const values = raw.map((text) => convert(flag, text, label));
      options[flag.key] = repeatable ? values : values[0];
      sources[flag.key] = label;
    } else if (flag.default !== undefined) {
      options[flag.key] = structuredClone(flag.default);
    } else if (repeatable) {
      options[flag.key] = [];
    }
  }
  const resolved = options as unknown as GputelOptions;
  resolved.id ??= toName(context.hostname ?? "localhost");
  resolved.hostname ??= context.nodeName ?? context.hostname ?? "localhost";
  if (command.demo) resolved.csv = context.demoCsv ?? "data/sample.csv";
  const brokerIsLocal = command.roles.includes("broker") && sources.broker === undefined &&
    command.roles.some((role) => role === "stream" || role === "collect");
  if (brokerIsLocal) resolved.broker = { host: connectHost(resolved.host), port: resolved.port };
  for (const flag of allowed) {
    const role = flag.requiredBy?.find((r) => command.roles.includes(r));
    const standIn = flag.requiredUnless === undefined ? undefined : findFlag(flag.requiredUnless);
    if (standIn !== undefined && sources[standIn.key] !== undefined) continue;
    if (role !== undefined && sources[flag.key] === undefined) {
      const or = standIn === undefined ? "" : ` or --${standIn.name} ${placeholderOf(standIn)}`;
      const how = `--${flag.name} ${placeholderOf(flag)} (or ${envNameOf(flag)})${or}`;
      throw new UsageError(`${role} needs ${how}: ${flag.expect}`);
    }
  }
  if (command.roles.includes("stream")) resolveSource(resolved, sources);
  checkPorts(command, resolved, sources);
  if (command.roles.includes("stream")) checkStreamFlags(resolved, sources);
  if (resolved.collectors !== undefined && sources.dataDir === "--data-dir") {
    throw new UsageError(
      "--collectors and --data-dir were both given: api reads either the collectors' APIs or " +
        "one shared data dir; drop one",
    );
  }
  checkNatsOnlyFlags(command.roles, resolved, sources);
  return {
    kind: "run",
    roles: command.roles,
    options: resolved,
    demo: command.demo,
    brokerIsLocal,
    sources,
  };
}

function convert(flag: AnyFlagSpec, text: string, label: string): unknown {
  try {
    return flag.parse(text);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(`${label} must be ${flag.expect}, got ${JSON.stringify(text)}`, {
      cause: error,
    });
  }
}

/** The address a local client uses for a listener bound to `host`. */
function connectHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "::1";
  return host;
}

/** Refuses two listeners of this process on the same non-zero port. */
function checkPorts(command: Command, options: GputelOptions, sources: Record<string, string>) {
  const ports = FLAGS.filter((flag) =>
    (flag.key === "port" || flag.key === "adminPort") && command.roles.includes("broker") ||
    flag.key === "apiPort" && command.roles.some((role) => role === "collect" || role === "api")
  );
  for (const [i, a] of ports.entries()) {
    for (const b of ports.slice(i + 1)) {
      const port = options[a.key];
      if (port !== 0 && port === options[b.key]) {
        const [la, lb] = [a, b].map((f) => sources[f.key] ?? `--${f.name}`);
        throw new UsageError(`${la} and ${lb} are both ${port}; each listener needs its own port`);
      }
    }
  }
}

function unknownFlag(arg: string, name: string, allowed: readonly AnyFlagSpec[]): UsageError {
  const candidates = [...allowed.map((flag) => flag.name), "help"];
  const near = name === "" ? undefined : candidates.find((c) => editDistance(name, c) <= 2);
  const hint = near === undefined ? "" : ` (did you mean --${near}?)`;
  return new UsageError(`unknown flag ${arg.split("=")[0]}${hint}`);
}

function notAFlagOf(flag: AnyFlagSpec, command: Command): UsageError {
  const name = commandName(command);
  const why = command.demo && Object.hasOwn(DEMO_REFUSED, flag.name)
    ? DEMO_REFUSED[flag.name]
    : `it belongs to ${flag.roles.join(", ")}`;
  return new UsageError(`--${flag.name} is not a flag of ${name}: ${why}`);
}

/** Levenshtein distance, for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

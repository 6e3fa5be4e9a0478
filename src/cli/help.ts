/**
 * Help text, generated from the flag table so it cannot drift from it.
 * Every line fits 100 columns.
 *
 * @module
 */

import { defaultTextOf, envNameOf, placeholderOf } from "./flag_spec.ts";
import { findFlag, flagsFor } from "./flags.ts";
import { type Command, commandName, type Role } from "./roles.ts";

const SUMMARY: Readonly<Record<Role | "demo", string>> = {
  broker: "the message queue: topics, partitions, consumer groups, a durable log",
  stream: "publish telemetry to the broker: the GPUs (NVML, nvidia-smi, dcgm-exporter) or a CSV",
  collect: "consume telemetry, store JSONL per GPU, serve the query API",
  api: "serve the query API over collectors' data dirs or their APIs (--collectors)",
  compact: "remove records stored twice (same origin) across the collector dirs of a data dir",
  demo: "broker, collect and stream in one process on the bundled sample (--rate 50 if not given)",
};

const EXAMPLES: Readonly<Record<Role | "demo", readonly string[]>> = {
  broker: ["gputel broker --data-dir /var/lib/gputel --partitions 16"],
  stream: [
    "gputel stream --broker 10.0.0.5:9000 --interval 1s                  # this host's GPUs, via NVML",
    "gputel stream --source scrape --url http://127.0.0.1:9400/metrics --broker 10.0.0.5:9000",
    "gputel stream --csv metrics.csv --broker 10.0.0.5:9000 --rate 100 --duration 10m",
    "gputel stream --csv metrics.csv --no-loop --rate 0 --filter Hostname=node-7",
  ],
  collect: ["gputel collect --broker 10.0.0.5:9000 --data-dir ./data --api-port 8080"],
  api: [
    "gputel api --data-dir ./data --api-port 8081",
    "gputel api --collectors dns:gputel-collect:8080   # every collector behind a DNS name",
  ],
  compact: ["gputel compact --data-dir /var/lib/gputel"],
  demo: ["gputel demo", "gputel demo --duration 1m --api-port 8081"],
};

const FLAG_COLUMN = 30;

/**
 * The top-level help: roles, how to mix them, the environment, examples.
 *
 * @param version shown in the first line, when given
 */
export function mainHelp(version?: string): string {
  const roles = (["broker", "stream", "collect", "api", "compact", "demo"] as const)
    .map((role) => `  ${role.padEnd(9)}${SUMMARY[role]}`);
  return [
    `gputel${
      version ? ` ${version}` : ""
    }: GPU telemetry, from the GPUs (or a CSV) to broker to per-GPU JSONL and a query API`,
    "",
    "Usage: gputel <role>[,<role>...] [flags]",
    "       gputel demo [flags]",
    "       gputel <role> --help | gputel --version",
    "",
    "Roles:",
    ...roles,
    "",
    "Roles mix in one process in any order (gputel broker,collect); a flag then applies to every",
    "role in the mix that has it, and --broker defaults to the local broker.",
    "Every flag can also be set as GPUTEL_<FLAG> (--api-port as GPUTEL_API_PORT, --no-loop as",
    "GPUTEL_NO_LOOP=1); a flag on the command line wins over the environment.",
    "",
    "Examples:",
    "  gputel demo",
    "  gputel broker,collect --data-dir /var/lib/gputel",
    "  gputel stream --csv metrics.csv --broker 10.0.0.5:9000 --rate 100",
    "",
    "Run 'gputel <role> --help' for a role's flags.",
    "",
  ].join("\n");
}

/**
 * Help for one role, a mix (the union of its roles' flags) or the demo: usage,
 * what each role does, one line per flag with its default, examples.
 */
export function commandHelp(command: Command): string {
  const name = commandName(command);
  const flags = flagsFor(command);
  const required = flags
    .filter((flag) =>
      !command.demo && flag.requiredBy?.some((role) => command.roles.includes(role))
    )
    .map((flag) => {
      const standIn = flag.requiredUnless === undefined ? undefined : findFlag(flag.requiredUnless);
      const alt = standIn === undefined ? "" : ` | --${standIn.name} ${placeholderOf(standIn)}`;
      return alt === ""
        ? ` --${flag.name} ${placeholderOf(flag)}`
        : ` (--${flag.name} ${placeholderOf(flag)}${alt})`;
    })
    .join("");
  const topics: (Role | "demo")[] = command.demo ? ["demo"] : command.roles;
  const lines = flags.map((flag) => {
    const left = `  --${flag.name} ${placeholderOf(flag)}`.trimEnd().padEnd(FLAG_COLUMN - 1);
    const needed = !command.demo && flag.requiredBy?.some((role) => command.roles.includes(role));
    const local = flag.name === "broker" && command.roles.includes("broker");
    const shown = local ? "this process's broker" : defaultTextOf(flag, command.roles);
    const note = needed
      ? flag.requiredUnless === undefined ? "required" : `or --${flag.requiredUnless}`
      : flag.type === "bool"
      ? undefined
      : shown && `default ${shown}`;
    return `${left} ${flag.help}${note === undefined ? "" : ` (${note})`}`;
  });
  const sample = flags.find((flag) => flag.name.includes("-")) ?? flags[0];
  const example = sample === undefined ? "" : envNameOf(sample);
  return [
    `Usage: gputel ${name}${required} [flags]`,
    "",
    ...topics.map((role) => `  ${role.padEnd(9)}${SUMMARY[role]}`),
    "",
    "Flags:",
    ...lines,
    `${"  -h, --help".padEnd(FLAG_COLUMN - 1)} show this help`,
    "",
    `Each flag can also come from GPUTEL_<FLAG> (e.g. ${example}); flags win.`,
    "Durations: 500ms, 10s, 5m, 1h, 1h30m (a bare number needs a unit, except 0).",
    "Sizes: 1048576 (bytes), 64MiB, 1GB. Booleans: --flag, --flag=false, GPUTEL_FLAG=1 or 0.",
    "",
    "Examples:",
    ...topics.flatMap((role) => EXAMPLES[role]).map((line) => `  ${line}`),
    ...(topics.length > 1 ? [`  gputel ${name}${required.replaceAll("FILE", "metrics.csv")}`] : []),
    "",
  ].join("\n");
}

/**
 * The flag table: every gputel flag once, with its type, default, the roles
 * it belongs to, help text and parser. Adding a flag is one entry in the
 * role's table (`flags_<role>.ts`) plus its field in `GputelOptions`
 * (options.ts).
 *
 * @module
 */

import type { AnyFlagSpec } from "./flag_spec.ts";
import { API_FLAGS } from "./flags_api.ts";
import { BROKER_FLAGS } from "./flags_broker.ts";
import { COLLECT_FLAGS } from "./flags_collect.ts";
import { COMMON_FLAGS } from "./flags_common.ts";
import { LIVE_FLAGS } from "./flags_live.ts";
import { NATS_FLAGS } from "./flags_nats.ts";
import { SECURITY_FLAGS } from "./flags_security.ts";
import { STREAM_FLAGS } from "./flags_stream.ts";
import type { Command } from "./roles.ts";

/** Every flag, in the order help lists them. */
export const FLAGS: readonly AnyFlagSpec[] = [
  ...COMMON_FLAGS,
  ...BROKER_FLAGS,
  ...STREAM_FLAGS,
  ...LIVE_FLAGS,
  ...COLLECT_FLAGS,
  ...API_FLAGS,
  ...NATS_FLAGS,
  ...SECURITY_FLAGS,
];

/** Flags `gputel demo` refuses, with the reason shown. */
export const DEMO_REFUSED: Readonly<Record<string, string>> = {
  csv: "the demo streams its bundled sample (for your own file: broker,collect,stream --csv FILE)",
  broker: "the demo runs its own broker",
  follow: "the demo loops its bundled sample",
  state: "the demo loops its bundled sample, so there is no position to resume",
  "state-dir": "the demo loops its bundled sample, so there is no position to resume",
  source: "the demo streams its bundled sample (for this host's GPUs: broker,collect,stream)",
  once: "the demo streams its bundled sample (for one reading of the GPUs: stream --once)",
};

/** The flag called `name` (without dashes), if there is one. */
export function findFlag(name: string): AnyFlagSpec | undefined {
  return FLAGS.find((flag) => flag.name === name);
}

/** The flags `command` accepts, in table order: the union of its roles' flags. */
export function flagsFor(command: Command): AnyFlagSpec[] {
  return FLAGS.filter((flag) =>
    flag.roles.some((role) => command.roles.includes(role)) &&
    !(command.demo && Object.hasOwn(DEMO_REFUSED, flag.name))
  );
}

/**
 * The roles a gputel process can run, and the command word that names them
 * (`broker`, `broker,collect`, `demo`).
 *
 * @module
 */

import { UsageError } from "./errors.ts";

/** A role one process can run, alone or mixed with others. */
export type Role = "broker" | "stream" | "collect" | "api" | "compact";

/** Every role, in the order a mix starts them (servers before their clients). */
export const ROLES: readonly Role[] = ["broker", "collect", "api", "stream", "compact"];

/** What the first word of a command line asks for. */
export interface Command {
  /** Roles to run, in {@linkcode ROLES} order, without duplicates. */
  roles: Role[];
  /** True for `gputel demo`: broker, collect and stream on the bundled sample. */
  demo: boolean;
}

/** The roles `gputel demo` runs. */
export const DEMO_ROLES: readonly Role[] = ["broker", "collect", "stream"];

const KNOWN = "broker, stream, collect, api, compact or demo, or a mix like broker,collect";

/**
 * Parses the command word: one role, a comma-separated mix of roles in any
 * order, or `demo`.
 *
 * @param word e.g. `"collect,broker"`
 * @returns the roles in start order
 * @throws {UsageError} for an unknown or repeated role, an empty part, a mix
 *   with `demo`, or `collect` mixed with `api` (collect already serves the API)
 *
 * @example
 * ```ts
 * parseCommand("stream,broker"); // { roles: ["broker", "stream"], demo: false }
 * ```
 */
export function parseCommand(word: string): Command {
  const parts = word.split(",");
  if (parts.length === 1 && word === "demo") return { roles: [...DEMO_ROLES], demo: true };
  const seen = new Set<Role>();
  for (const part of parts) {
    if (part === "demo") {
      throw new UsageError(`demo runs broker, collect and stream itself; use it alone`);
    }
    if (!(ROLES as readonly string[]).includes(part)) {
      const where = part === word ? "" : ` in "${word}"`;
      throw new UsageError(`unknown role "${part}"${where}: expected ${KNOWN}`);
    }
    const role = part as Role;
    if (seen.has(role)) throw new UsageError(`role ${role} appears twice in "${word}"`);
    seen.add(role);
  }
  if (seen.has("compact") && seen.size > 1) {
    throw new UsageError(`compact is a one-off command; run it alone, not in "${word}"`);
  }
  if (seen.has("collect") && seen.has("api")) {
    throw new UsageError(`collect already serves the query API; drop api from "${word}"`);
  }
  return { roles: ROLES.filter((role) => seen.has(role)), demo: false };
}

/** The command word for `command`, as a user would type it (`broker,collect`, `demo`). */
export function commandName(command: Command): string {
  return command.demo ? "demo" : command.roles.join(",");
}

/**
 * The edge where gputel reads its process environment. The only module that
 * touches `Deno.env` and `Deno.hostname()`.
 *
 * @module
 */

import { envNameOf } from "./flag_spec.ts";
import { FLAGS } from "./flags.ts";

/**
 * Reads every `GPUTEL_<FLAG>` variable of the flag table, one by one, so it
 * works when the process may read only `GPUTEL_*` (`--allow-env=GPUTEL_*`,
 * under which `Deno.env.toObject()` is refused).
 *
 * @param get reads one variable (default `Deno.env.get`)
 * @returns the set variables, by name, for {@linkcode parseCli}'s `env`
 *
 * @example
 * ```ts
 * import { parseCli } from "./parse.ts";
 *
 * const result = parseCli(Deno.args, readGputelEnv(), { hostname: localHostname() });
 * ```
 */
export function readGputelEnv(
  get: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const flag of FLAGS) {
    const name = envNameOf(flag);
    const value = get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * This machine's host name (the default `--id`), or `"localhost"` when it
 * cannot be read (no `--allow-sys=hostname`, or an empty name).
 */
export function localHostname(): string {
  try {
    return Deno.hostname() || "localhost";
  } catch {
    return "localhost";
  }
}

/**
 * `NODE_NAME`, the node a Kubernetes pod runs on (set from the downward API):
 * the `Hostname` label of live samples when `--hostname` is not given.
 * `undefined` when unset, empty or not readable.
 */
export function readNodeName(
  get: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string | undefined {
  try {
    return get("NODE_NAME") || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The shape of one entry of the flag table ({@linkcode FLAGS} in `flags.ts`).
 *
 * @module
 */

import { formatDuration } from "./duration.ts";
import type { GputelOptions, HostPort } from "./options.ts";
import { formatSize } from "./size.ts";
import type { Role } from "./roles.ts";

/** What kind of value a flag takes; `bool` flags take none on the command line. */
export type FlagType =
  | "string"
  | "int"
  | "number"
  | "size"
  | "duration"
  | "bool"
  | "host:port"
  | "repeatable string";

/** What one occurrence of the flag for option `K` parses to (an element, for a list option). */
export type Value<K extends keyof GputelOptions> = NonNullable<GputelOptions[K]> extends
  readonly (infer E)[] ? E : NonNullable<GputelOptions[K]>;

/** One flag, for the option field `K` it sets. */
export interface FlagSpec<K extends keyof GputelOptions = keyof GputelOptions> {
  /** Name without the dashes: `api-port` is `--api-port` and `GPUTEL_API_PORT`. */
  readonly name: string;
  /** The {@linkcode GputelOptions} field it sets. */
  readonly key: K;
  /** Its value type; `repeatable string` collects every occurrence into an array. */
  readonly type: FlagType;
  /** Roles it belongs to; giving it to a mix with none of them is a usage error. */
  readonly roles: readonly Role[];
  /** Placeholder for its value in help; when absent, {@linkcode placeholderOf} derives it. */
  readonly value?: string;
  /**
   * The value when the flag is not given: the library's `DEFAULT_*` constant
   * for the field, never a copy of it. Help writes it out with
   * {@linkcode defaultTextOf}; absent when the flag has none.
   */
  readonly default?: Value<K>;
  /**
   * For a flag that several roles share while each role's library defaults
   * the option itself (`--workers`: the streamer's senders, the collector's
   * group members), each role's `DEFAULT_*` constant instead of one
   * {@linkcode FlagSpec.default}: the option stays unset unless given, so each
   * library fills in its own, and help shows the defaults of the roles it
   * describes.
   */
  readonly roleDefaults?: Readonly<Partial<Record<Role, Value<K>>>>;
  /** Shown in help instead of {@linkcode FlagSpec.default}, for a default computed at run time. */
  readonly defaultText?: string;
  /** One line of help: what it does. */
  readonly help: string;
  /** What a valid value is, completing "`--flag` must be …". */
  readonly expect: string;
  /** Roles that cannot run without it. */
  readonly requiredBy?: readonly Role[];
  /** A flag that, when given, stands in for this one where it is required. */
  readonly requiredUnless?: string;
  /** Parses one value; throws `RangeError` when invalid. */
  readonly parse: (text: string) => Value<K>;
}

/** A {@linkcode FlagSpec} for any option field. */
export type AnyFlagSpec = { [K in keyof GputelOptions]-?: FlagSpec<K> }[keyof GputelOptions];

const PLACEHOLDERS: Readonly<Record<FlagType, string>> = {
  string: "VALUE",
  int: "N",
  number: "N",
  size: "SIZE",
  duration: "DURATION",
  bool: "",
  "host:port": "HOST:PORT",
  "repeatable string": "VALUE",
};

/** The placeholder help shows for `flag`'s value (`N`, `DURATION`); empty for `bool` flags. */
export function placeholderOf(flag: Pick<FlagSpec, "type" | "value">): string {
  return flag.value ?? PLACEHOLDERS[flag.type];
}

/**
 * The environment variable that sets `flag`: `GPUTEL_` + the name upper-cased,
 * dashes as underscores (`api-port` → `GPUTEL_API_PORT`).
 */
export function envNameOf(flag: Pick<FlagSpec, "name">): string {
  return `GPUTEL_${flag.name.toUpperCase().replaceAll("-", "_")}`;
}

/**
 * A flag's default as help shows it, written the way a user would type it
 * (`64MiB`, `10s`, `127.0.0.1:9000`), so that the flag's own parser reads it
 * back as {@linkcode FlagSpec.default}; {@linkcode FlagSpec.defaultText}
 * when set; `undefined` when it has neither. A flag with
 * {@linkcode FlagSpec.roleDefaults} shows those of `roles` (all its roles
 * when not given): one value when they agree, else `stream 4, collect 8`.
 */
export function defaultTextOf(
  flag: AnyFlagSpec,
  roles: readonly Role[] = flag.roles,
): string | undefined {
  if (flag.defaultText !== undefined) return flag.defaultText;
  if (flag.roleDefaults === undefined) return valueText(flag, flag.default);
  const byRole = flag.roles.filter((role) => roles.includes(role)).flatMap((role) => {
    const text = valueText(flag, flag.roleDefaults?.[role]);
    return text === undefined ? [] : [{ role, text }];
  });
  if (new Set(byRole.map(({ text }) => text)).size <= 1) return byRole[0]?.text;
  return byRole.map(({ role, text }) => `${role} ${text}`).join(", ");
}

function valueText(flag: AnyFlagSpec, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (flag.type === "duration") return formatDuration(value as number);
  if (flag.type === "size") return formatSize(value as number);
  if (flag.type === "host:port") {
    const { host, port } = value as HostPort;
    return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  }
  return Array.isArray(value) ? value.join(",") : String(value);
}

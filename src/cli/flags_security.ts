/**
 * Flags of tokens, TLS and the HTTP APIs' limits, shared by the roles that
 * listen or connect.
 *
 * @module
 */
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_URL_LENGTH } from "../net/http_limits.ts";
import type { AnyFlagSpec } from "./flag_spec.ts";
import { parseDuration } from "./duration.ts";
import { parseSize } from "./size.ts";
import { parseIntInRange, parseNonEmpty } from "./values.ts";

/** What a token flag expects. */
export const TOKEN = "1 to 4096 printable characters without spaces";

/**
 * Parses a token: 1 to 4096 printable ASCII characters, no spaces (it must
 * fit an `Authorization: Bearer` header as is).
 *
 * @throws {RangeError} when `text` is not such a token
 */
export function parseToken(text: string): string {
  if (!/^[\x21-\x7e]{1,4096}$/.test(text)) throw new RangeError(`Not a token: ${TOKEN}`);
  return text;
}

/**
 * Parses a query window: a duration (`12h`, `90m`) or whole days (`31d`),
 * from 1 ms to 3650 days.
 *
 * @throws {RangeError} when `text` is neither
 */
export function parseWindow(text: string): number {
  const days = /^(\d{1,4})d$/.exec(text);
  const ms = days ? Number(days[1]) * 86_400_000 : parseDuration(text);
  if (ms < 1 || ms > 3650 * 86_400_000) throw new RangeError(`Window out of range: "${text}"`);
  return ms;
}

/** Flags of tokens, TLS and HTTP limits. */
export const SECURITY_FLAGS: readonly AnyFlagSpec[] = [
  {
    name: "token",
    key: "token",
    type: "string",
    roles: ["broker", "stream", "collect", "api"],
    value: "TOKEN",
    defaultText: "none",
    help: "shared secret: broker HELLO and HTTP Bearer need it",
    expect: TOKEN,
    parse: parseToken,
  },
  {
    name: "token-file",
    key: "tokenFile",
    type: "string",
    roles: ["broker", "stream", "collect", "api"],
    value: "FILE",
    help: "read --token from this file (trimmed) at start",
    expect: "a path to a file holding the token",
    parse: parseNonEmpty,
  },
  {
    name: "tls-cert",
    key: "tlsCert",
    type: "string",
    roles: ["broker", "collect", "api"],
    value: "FILE",
    help: "serve TLS/HTTPS with this PEM certificate chain",
    expect: "a path to a PEM certificate file",
    parse: parseNonEmpty,
  },
  {
    name: "tls-key",
    key: "tlsKey",
    type: "string",
    roles: ["broker", "collect", "api"],
    value: "FILE",
    help: "private key (PEM) of --tls-cert",
    expect: "a path to a PEM private key file",
    parse: parseNonEmpty,
  },
  {
    name: "tls-ca",
    key: "tlsCa",
    type: "string",
    roles: ["stream", "collect", "api"],
    value: "FILE",
    help: "trust this PEM CA (the broker's; for api, the collectors')",
    expect: "a path to a PEM CA certificate file",
    parse: parseNonEmpty,
  },
  {
    name: "max-body-bytes",
    key: "maxBodyBytes",
    type: "size",
    roles: ["broker", "collect", "api"],
    default: DEFAULT_MAX_BODY_BYTES,
    help: "largest HTTP request body (413 above it)",
    expect: "a size from 1 byte to 1GiB, like 64KiB",
    parse: (text) => {
      const n = parseSize(text);
      if (n < 1 || n > 2 ** 30) throw new RangeError(`size ${n} out of range`);
      return n;
    },
  },
  {
    name: "max-url-length",
    key: "maxUrlLength",
    type: "int",
    roles: ["broker", "collect", "api"],
    default: DEFAULT_MAX_URL_LENGTH,
    help: "longest HTTP request URL, characters (414 above it)",
    expect: "an integer from 64 to 1048576",
    parse: (text) => parseIntInRange(text, 64, 1_048_576),
  },
];

/**
 * Shared-secret tokens: a constant-time check that never compares the secret
 * itself byte by byte (both sides are hashed with SHA-256 first, so neither
 * the length nor a common prefix leaks through timing), and the
 * `Authorization: Bearer` parser the HTTP APIs use.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** Longest token accepted, in characters (a longer one is refused before hashing). */
export const MAX_TOKEN_LENGTH = 4096;

/**
 * Checks presented tokens against the one configured, in constant time.
 *
 * @example
 * ```ts
 * const check = new TokenCheck("s3cret");
 * check.matches("s3cret"); // true
 * check.matches("guess"); // false
 * ```
 */
export class TokenCheck {
  readonly #digest: Buffer;

  /**
   * Creates a check against `token`.
   * @param token the expected token
   * @throws {RangeError} when `token` is empty or longer than {@linkcode MAX_TOKEN_LENGTH}
   */
  constructor(token: string) {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new RangeError(`token must be 1 to ${MAX_TOKEN_LENGTH} characters`);
    }
    this.#digest = sha256(token);
  }

  /** Whether `given` is the expected token. Takes the same time for every wrong token. */
  matches(given: string | undefined | null): boolean {
    const presented = sha256(typeof given === "string" ? given.slice(0, MAX_TOKEN_LENGTH) : "");
    return timingSafeEqual(presented, this.#digest) && typeof given === "string" &&
      given.length <= MAX_TOKEN_LENGTH;
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750; the
 * scheme is case-insensitive), or undefined when the header is missing or
 * of another scheme.
 */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return m?.[1];
}

/**
 * Whether `host` is a loopback address or name (`127.0.0.0/8`, `::1`,
 * `localhost`): binding one of these exposes nothing to the network.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

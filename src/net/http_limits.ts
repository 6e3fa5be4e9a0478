/**
 * The request limits of gputel's HTTP APIs (broker admin, query API), as
 * constants with no dependencies, so the flag table can read them without
 * loading the HTTP stack ({@linkcode httpGuard} in `http_guard.ts` enforces
 * them).
 *
 * @module
 */

/** Default largest request body, bytes: 64 KiB (the APIs take no bodies). */
export const DEFAULT_MAX_BODY_BYTES = 65_536;
/** Default longest request URL, characters: 8 KiB, like common proxies. */
export const DEFAULT_MAX_URL_LENGTH = 8192;

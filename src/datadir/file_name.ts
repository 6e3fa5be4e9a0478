/**
 * GPU key → JSONL file name. The name can never leave the data dir, never
 * names a special file, and two different keys never share a name, even on
 * case-insensitive file systems.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** The extension of every GPU file. */
export const GPU_FILE_EXTENSION = ".jsonl";

/** The longest key kept verbatim as its file name. */
export const MAX_PLAIN_KEY_LENGTH = 100;

/** The longest sanitised prefix kept before the hash in a hashed name. */
export const HASHED_PREFIX_LENGTH = 48;

const PLAIN_KEY = /^[a-z0-9][a-z0-9._-]*$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/;

/**
 * Maps a GPU key to a safe file name ending in `.jsonl`.
 *
 * - A short plain key (lower-case ASCII letters, digits, `.`, `_`, `-`,
 *   starting with a letter or digit, not a Windows device name) is kept as is:
 *   `gpu-0` → `gpu-0.jsonl`.
 * - Any other key (upper case, `/`, `\`, NUL, unicode, `.`/`..`, empty, too
 *   long) becomes a sanitised lower-case prefix, `~`, and 32 hex digits of
 *   the SHA-256 of the key's UTF-8 bytes:
 *   `GPU-5fd4…` → `gpu-5fd4…~3f9a….jsonl`.
 *
 * Plain names never contain `~` and hashed names always do, so the two forms
 * never collide; two hashed names collide only on a 128-bit hash collision.
 * Names contain only `[a-z0-9._~-]`, never start with `.` or `-`, and are at most
 * 106 characters.
 *
 * @param key the GPU key (uuid, or gpu_id when the source has none)
 * @returns a file name without directory part
 *
 * @example
 * ```ts
 * gpuFileName("gpu-0"); // "gpu-0.jsonl"
 * gpuFileName("../../etc/passwd"); // "_.._etc_passwd~….jsonl"
 * ```
 */
export function gpuFileName(key: string): string {
  if (
    key.length <= MAX_PLAIN_KEY_LENGTH && PLAIN_KEY.test(key) && !WINDOWS_RESERVED.test(key)
  ) {
    return key + GPU_FILE_EXTENSION;
  }
  const prefix = key.slice(0, HASHED_PREFIX_LENGTH).toLowerCase().replace(/[^a-z0-9._-]/g, "_")
    .replace(/^[.-]/, "_");
  const hash = createHash("sha256").update(key, "utf8").digest("hex").slice(0, 32);
  return `${prefix}~${hash}${GPU_FILE_EXTENSION}`;
}

/**
 * Tells whether a directory entry looks like a GPU file this module produced.
 *
 * @param name a file name without directory part
 */
export function isGpuFileName(name: string): boolean {
  return /^(?:[a-z0-9][a-z0-9._-]*|[a-z0-9_][a-z0-9._-]*~[0-9a-f]{32}|~[0-9a-f]{32})\.jsonl$/
    .test(name);
}

/**
 * A memoizing {@linkcode gpuFileName} (hashing is the costly part), holding
 * at most `capacity` keys and starting over when full.
 *
 * @param capacity keys remembered
 */
export function cachedGpuFileName(capacity = 65_536): (key: string) => string {
  const names = new Map<string, string>();
  return (key) => {
    let name = names.get(key);
    if (name === undefined) {
      if (names.size >= capacity) names.clear();
      name = gpuFileName(key);
      names.set(key, name);
    }
    return name;
  };
}

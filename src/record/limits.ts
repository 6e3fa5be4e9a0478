/**
 * The limits of the stream ↔ collect contract, in one table: the streamer
 * skips (and counts) a row that breaks one, and the collector refuses a
 * message that breaks one, so the two can never disagree about what is
 * storable. Pure: each check returns the problem as a sentence, or
 * `undefined` when the value is within the limits.
 *
 * @module
 */

/** The contract's limits. Each is enforced by the collector and checked first by the streamer. */
export const LIMITS = {
  /** Most fields one message (one CSV row) may carry. */
  maxFields: 1024,
  /** Longest GPU key (the message key), in characters. */
  maxKeyLength: 1024,
  /** Largest encoded message payload (UTF-8 JSON), in bytes: 1 MiB. */
  maxMessageBytes: 1_048_576,
  /** Longest field name (a metric or a label name), in characters. */
  maxNameLength: 1024,
} as const;

/**
 * Why `key` cannot key a message: empty, or longer than `maxKeyLength`.
 *
 * @param key the GPU key
 * @returns the problem, or `undefined` when the key is fine
 */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "message key is empty; it must name the GPU";
  if (key.length > LIMITS.maxKeyLength) {
    return `message key is ${key.length} characters; at most ${LIMITS.maxKeyLength}`;
  }
  return undefined;
}

/**
 * Why a message with these field names cannot be stored: too many fields,
 * or a name that is empty or longer than `maxNameLength`.
 *
 * @param names the field names of the message
 * @returns the problem, or `undefined` when they are fine
 */
export function fieldNamesProblem(names: readonly string[]): string | undefined {
  if (names.length > LIMITS.maxFields) {
    return `message has ${names.length} fields; at most ${LIMITS.maxFields} allowed`;
  }
  for (const name of names) {
    if (name.length === 0) return "a field name is empty";
    if (name.length > LIMITS.maxNameLength) {
      return `field name ${
        JSON.stringify(name.slice(0, 40) + "…")
      } is ${name.length} characters; at most ${LIMITS.maxNameLength}`;
    }
  }
  return undefined;
}

/**
 * Why a payload of `bytes` bytes cannot be stored: larger than `maxMessageBytes`.
 *
 * @param bytes the encoded payload's size
 * @returns the problem, or `undefined` when it fits
 */
export function messageBytesProblem(bytes: number): string | undefined {
  return bytes > LIMITS.maxMessageBytes
    ? `message is ${bytes} bytes; at most ${LIMITS.maxMessageBytes}`
    : undefined;
}

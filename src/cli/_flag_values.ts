/**
 * Expectation texts and small parsers shared by the flag tables.
 *
 * @module
 */
import { parseDuration } from "./duration.ts";
import { parseIntInRange } from "./values.ts";

/** What a port flag expects. */
export const PORT = "an integer from 0 to 65535 (0 picks a free port)";
/** What a name flag expects. */
export const NAME = "1 to 200 of the characters A-Z a-z 0-9 . _ -";
/** What a boolean flag expects. */
export const BOOL = "true or false (or 1/0, yes/no, on/off)";
/** Parses a port. */
export const port = (text: string): number => parseIntInRange(text, 0, 65535);
/** A duration parser with a lower bound in ms. */
export const durationAtLeast = (min: number): (text: string) => number => (text: string) => {
  const ms = parseDuration(text);
  if (ms < min) throw new RangeError(`Duration "${text}" is below ${min} ms`);
  return ms;
};

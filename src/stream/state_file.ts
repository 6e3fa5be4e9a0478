/**
 * Reading and atomically replacing the streamer's `--state` file: the new
 * content goes to a temporary file that is fsynced, renamed over the old
 * one, and the directory fsynced, so a crash leaves either the old state or
 * the new one, never a torn one.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { fnv1a32 } from "../record/hash.ts";
import { decodeState, encodeState, type StreamState } from "./resume_state.ts";

/**
 * Reads the state file, or `undefined` when there is none yet.
 *
 * @throws {RangeError} when it is not a state file (naming the path)
 */
export async function readStateFile(path: string): Promise<StreamState | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  try {
    return decodeState(text);
  } catch (cause) {
    throw new RangeError(`stream state file ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** Replaces the state file atomically and durably (temp + fsync + rename + fsync of the directory). */
export async function writeStateFile(path: string, state: StreamState): Promise<void> {
  const tmp = `${path}.tmp`;
  {
    using file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    const bytes = new TextEncoder().encode(encodeState(state));
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
    await file.sync();
  }
  await Deno.rename(tmp, path);
  using dir = await Deno.open(dirname(path), { read: true });
  await dir.sync();
}

/**
 * The state file of input `csv` in `--state-dir` `dir`:
 * `stream-<file name>-<hash of the absolute path>.json`, so two inputs
 * with the same name in different directories get their own files.
 *
 * @example
 * ```ts
 * stateFileFor("/var/lib/gputel", "/var/log/dcgm.csv"); // "/var/lib/gputel/stream-dcgm.csv-1b2c3d4e.json"
 * ```
 */
export function stateFileFor(dir: string, csv: string): string {
  const path = resolve(csv);
  const name = basename(path).replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 64);
  const hash = fnv1a32(path).toString(16).padStart(8, "0");
  return join(dir, `stream-${name}-${hash}.json`);
}

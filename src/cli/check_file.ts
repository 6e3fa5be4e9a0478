/**
 * Checks, done with I/O, that a file named on the command line can be read.
 * Kept apart from `parseCli`, which is pure.
 *
 * @module
 */

import { dirname } from "node:path";
import { csvStartProblem, readHead } from "../stream/csv_inspect.ts";
import { readStateFile, stateFileFor } from "../stream/state_file.ts";
import { UsageError } from "./errors.ts";
import type { GputelOptions } from "./options.ts";
import type { CliRun } from "./parse.ts";

/**
 * Checks that `path` names a regular file this process can open for reading.
 *
 * @param path the file, as the user gave it
 * @param flag what named it, for the message: `"--csv"` or `"GPUTEL_CSV"`
 * @throws {UsageError} when it does not exist, is a directory or other
 *   non-file, or cannot be opened (permission denied, …)
 *
 * @example
 * ```ts
 * await checkReadableFile("metrics.csv", "--csv");
 * ```
 */
export async function checkReadableFile(path: string, flag: string): Promise<void> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw new UsageError(`${flag} file ${JSON.stringify(path)} ${reason(error)}`, { cause: error });
  }
  try {
    const info = await file.stat();
    if (!info.isFile) {
      const what = info.isDirectory ? "a directory" : "not a regular file";
      throw new UsageError(`${flag} file ${JSON.stringify(path)} is ${what}; give a CSV file`);
    }
  } finally {
    file.close();
  }
}

/**
 * Checks that a CSV can be streamed: it is text (no NUL byte in its first
 * 64 KiB) and its header names a GPU key column (or the `--key` column).
 *
 * @param path the file
 * @param flag what named it, for the message
 * @param key the `--key` column, if given
 * @throws {UsageError} naming the file and what is wrong
 */
export async function checkCsvStart(path: string, flag: string, key?: string): Promise<void> {
  const problem = csvStartProblem(await readHead(path), key);
  if (problem !== undefined) {
    throw new UsageError(`${flag} file ${JSON.stringify(path)} ${problem}`);
  }
}

/**
 * Checks the files a run reads before any role starts: the `--csv` of a
 * stream (not the demo's bundled sample, which is part of the program).
 *
 * @throws {UsageError} as {@linkcode checkReadableFile} and {@linkcode checkCsvStart},
 *   naming `--csv` or `GPUTEL_CSV`
 */
export async function checkRunFiles(run: CliRun): Promise<void> {
  if (!run.demo && run.roles.includes("stream") && run.options.csv !== undefined) {
    const flag = run.sources.csv ?? "--csv";
    await checkReadableFile(run.options.csv, flag);
    await checkCsvStart(run.options.csv, flag, run.options.key);
    await checkStateFile(run);
  }
}

/**
 * The stream's resume state file: `--state`, or one named after the input
 * in `--state-dir`; unset when neither is given.
 */
export function streamStateFile(o: GputelOptions): string | undefined {
  if (o.state !== undefined || o.stateDir === undefined || o.csv === undefined) return o.state;
  return stateFileFor(o.stateDir, o.csv);
}

/**
 * Creates `--state-dir` when missing, and checks that the state file, if
 * there is one, is a gputel stream state: a damaged one stops the start
 * (treating it as absent would stream the whole file again).
 *
 * @throws {UsageError} naming the flag, the file and what to do
 */
async function checkStateFile(run: CliRun): Promise<void> {
  const path = streamStateFile(run.options);
  if (path === undefined) return;
  const flag = run.sources.state ?? run.sources.stateDir ?? "--state";
  try {
    if (run.options.stateDir !== undefined) {
      await Deno.mkdir(run.options.stateDir, { recursive: true });
    }
    const dir = await Deno.stat(dirname(path));
    if (!dir.isDirectory) throw new Error(`${dirname(path)} is not a directory`);
  } catch (error) {
    throw new UsageError(
      `${flag}: cannot keep a state file in ${dirname(path)}: ${(error as Error).message}`,
    );
  }
  try {
    await readStateFile(path);
  } catch (error) {
    throw new UsageError(
      `${flag}: ${
        (error as Error).message
      }; move it away to stream the file from its start (rows already stored may then be stored again)`,
    );
  }
}

function reason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "does not exist";
  if (error instanceof Deno.errors.PermissionDenied) return "is not readable: permission denied";
  if (error instanceof Deno.errors.NotCapable) return "is not readable: gputel may not read it";
  if (error instanceof Deno.errors.IsADirectory) return "is a directory; give a CSV file";
  return `cannot be opened: ${error instanceof Error ? error.message : String(error)}`;
}

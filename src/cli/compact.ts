/**
 * `gputel compact --data-dir D`: runs {@linkcode compactDataDir} and logs
 * what it did per collector dir.
 *
 * @module
 */
import { compactDataDir } from "../collect/compact.ts";
import type { Logger } from "../obs/log.ts";
import { UsageError } from "./errors.ts";

/**
 * Compacts the data dir. Returns the exit code: 0 when done, 1 when a file
 * cannot be read or rewritten (logged).
 *
 * @throws {UsageError} when `dataDir` is not a directory
 */
export async function runCompact(dataDir: string, logger: Logger): Promise<number> {
  const isDir = await Deno.stat(dataDir).then((s) => s.isDirectory, () => false);
  if (!isDir) {
    throw new UsageError(
      `--data-dir ${dataDir} is not a directory (give the collectors' data dir)`,
    );
  }
  try {
    const report = await compactDataDir(dataDir);
    for (const d of report.dirs) logger.info("compacted", { ...d });
    logger.info("compact finished", {
      dirs: report.dirs.length,
      live: report.dirs.filter((d) => d.state === "live").length,
      removed: report.removed,
    });
    return 0;
  } catch (error) {
    logger.error("compact failed", { dataDir, error: (error as Error).message });
    return 1;
  }
}

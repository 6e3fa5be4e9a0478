/**
 * The broker's accept loop, and the connection limit that leaves the log
 * its descriptors. An `accept` that fails (out of file descriptors) is
 * logged once per episode and retried with a growing pause (25 ms doubling
 * to 1 s), so a descriptor shortage neither floods the log nor spins.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";

/** Descriptors kept free for everything but connections and log files (admin API, group state). */
export const SPARE_DESCRIPTORS = 64;

/**
 * Accepts connections until the listener closes, handing each to `serve`.
 *
 * @param closed whether the server is closing (an accept error then ends the loop)
 * @param onError counts each failed accept
 */
export async function acceptLoop(
  listener: { accept(): Promise<Deno.Conn> },
  serve: (conn: Deno.Conn) => void,
  logger: Logger,
  closed: () => boolean,
  onError: () => void,
): Promise<void> {
  let failures = 0; // consecutive: one episode, logged once
  for (;;) {
    let conn: Deno.Conn;
    try {
      conn = await listener.accept();
    } catch (err) {
      if (closed() || err instanceof Deno.errors.BadResource) return; // listener closed
      onError();
      if (failures++ === 0) {
        logger.error("accept failed (out of file descriptors?): backing off until it works", {
          error: String(err),
        });
      }
      await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** Math.min(failures, 6))));
      continue;
    }
    if (failures > 0) logger.info("accepting connections again", { failedAccepts: failures });
    failures = 0;
    serve(conn);
  }
}

/** The process's soft limit on open files (`ulimit -n`), when the OS tells (Linux). */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(Deno.readTextFileSync("/proc/self/limits"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The connection limit that still leaves the log `logFiles` descriptors and
 * {@linkcode SPARE_DESCRIPTORS} more under the process's open-file limit.
 */
export function connectionLimit(configured: number, logFiles: number, fileLimit?: number): number {
  if (fileLimit === undefined) return configured;
  return Math.max(1, Math.min(configured, fileLimit - logFiles - SPARE_DESCRIPTORS));
}

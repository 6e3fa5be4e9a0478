/**
 * An exclusive advisory lock on a data dir, so two collectors never write
 * the same files. The OS drops the lock when the holder dies (even by
 * SIGKILL), so there are no stale locks to clean up.
 *
 * @module
 */

import { join } from "node:path";
import { StoreLockedError } from "./errors.ts";

/** The lock file's name inside the data dir. */
export const LOCK_FILE_NAME = "collector.lock";

/** A held lock. */
export interface DirLock {
  /** Releases the lock. Safe to call twice. */
  close(): void;
}

/**
 * Takes the data dir's lock without waiting, and writes this process's pid
 * into the lock file for the error message another process would show.
 *
 * @param dir an existing directory
 * @throws {StoreLockedError} when another holder (process or open store) has it
 */
export async function lockDir(dir: string): Promise<DirLock> {
  const path = join(dir, LOCK_FILE_NAME);
  const file = await Deno.open(path, { read: true, write: true, create: true });
  let locked = false;
  try {
    locked = await file.tryLock(true);
    if (!locked) {
      const text = await Deno.readTextFile(path).catch(() => "");
      const pid = Number.parseInt(text.trim(), 10);
      throw new StoreLockedError(dir, Number.isSafeInteger(pid) && pid > 0 ? pid : undefined);
    }
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  } catch (error) {
    file.close();
    throw error;
  }
  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      // Unlock before closing: the lock belongs to the open file, which a
      // child process forked at this moment (Deno.Command, before its exec)
      // or an op still holding the file would keep locked after close alone;
      // a reopen right after close then saw StoreLockedError.
      try {
        file.unlockSync();
      } finally {
        file.close();
      }
    },
  };
}

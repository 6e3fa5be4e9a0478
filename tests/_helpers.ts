/**
 * Helpers shared by the test suite and the benchmarks: temporary
 * directories and free ports.
 *
 * @module
 */
import { join } from "node:path";

/**
 * Runs `fn` with a fresh temporary directory and removes it afterwards,
 * whether `fn` passed or threw. With `sub`, `fn` gets the path `sub` inside
 * it (not created): a store's own directory under a data dir.
 */
export async function withDir(fn: (dir: string) => Promise<void>, sub?: string): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "gputel_test_" });
  try {
    await fn(sub === undefined ? root : join(root, sub));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/**
 * A loopback TCP port that was free a moment ago (bound and released). A
 * server that can bind port 0 and report its port avoids the race this has.
 */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Takes the suite-wide lock of the heavy multi-process tests (the chaos run,
 * the 3-node JetStream cluster, the browser against 2,001 GPUs), so that
 * `deno test --parallel` on two cores never runs two of them at once and
 * starves one past its deadlines. Waits for the lock; release it by
 * disposing the handle.
 */
export async function heavyTestLock(): Promise<AsyncDisposable> {
  const file = await Deno.open(join(Deno.env.get("TMPDIR") ?? "/tmp", "gputel-heavy-tests.lock"), {
    create: true,
    write: true,
  });
  await file.lock(true);
  return {
    async [Symbol.asyncDispose]() {
      await file.unlock();
      file.close();
    },
  };
}

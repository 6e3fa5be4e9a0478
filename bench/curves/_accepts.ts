/**
 * Waits for a freshly spawned server to accept TCP connections, polling
 * every 2 ms (the shared `waitForPort` polls every 50 ms, which would blur a
 * startup time).
 *
 * @module
 */
import type { Proc } from "../_procs.ts";

/** Resolves once 127.0.0.1:`port` accepts; stops `proc` and throws after `timeoutMs`. */
export async function acceptsWithin(port: number, proc: Proc, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  await proc.stop();
  throw new Error(`${proc.name} did not accept connections on ${port} within ${timeoutMs} ms`);
}

/**
 * Waiting for a drain with a deadline that starts only once the run is
 * stopped; shared by the stream role (`csv_stream_run.ts`) and the live one
 * (`live_run.ts`).
 *
 * @module
 */

/**
 * Waits for `p`; once `stopped` resolves, at most `ms` more. Answers "ok",
 * the error `p` rejected with, or "timeout".
 */
export async function settleWithin(
  p: Promise<unknown>,
  stopped: Promise<void>,
  ms: number,
): Promise<"ok" | "timeout" | Error> {
  let t: ReturnType<typeof setTimeout> | undefined;
  let settled = false;
  const timeout = stopped.then(() =>
    new Promise<"timeout">((resolve) => {
      if (!settled) t = setTimeout(() => resolve("timeout"), ms);
    })
  );
  try {
    return await Promise.race([p.then(() => "ok" as const, (e) => e as Error), timeout]);
  } finally {
    settled = true;
    clearTimeout(t);
  }
}

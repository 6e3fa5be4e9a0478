/**
 * A logger that writes each cause (level and message) of warnings and errors
 * at most once per window: the lines in between are counted, and the count
 * is written when the window ends. A flood of one failure (a full disk, a
 * client sending bad frames) costs one line every few seconds, not one per
 * event, and is never silent.
 *
 * @module
 */
import type { LogFields, Logger } from "./log.ts";

/** Default window of {@linkcode rateLimitedLogger}, ms. */
export const DEFAULT_LOG_WINDOW_MS = 5000;

const WRAPPED = Symbol("rateLimited");

interface Cause {
  until: number;
  suppressed: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Wraps `inner` so that each warn/error cause is written at most once per
 * `windowMs`; debug and info lines pass unchanged.
 *
 * @param now time source, ms
 */
export function rateLimitedLogger(
  inner: Logger,
  windowMs = DEFAULT_LOG_WINDOW_MS,
  now: () => number = Date.now,
): Logger {
  if ((inner as { [WRAPPED]?: true })[WRAPPED]) return inner;
  const causes = new Map<string, Cause>();
  const limited = (level: "warn" | "error") => (msg: string, fields?: LogFields) => {
    const key = `${level}\0${msg}`;
    const t = now();
    const c = causes.get(key);
    if (c && t < c.until) {
      c.suppressed++;
      if (c.timer === undefined) {
        const timer = setTimeout(() => {
          c.timer = undefined;
          if (c.suppressed === 0) return;
          inner[level](`${msg} (repeated)`, { times: c.suppressed, withinMs: windowMs });
          c.suppressed = 0;
          c.until = now() + windowMs;
        }, c.until - t);
        Deno.unrefTimer(timer);
        c.timer = timer;
      }
      return;
    }
    causes.set(key, { until: t + windowMs, suppressed: 0 });
    if (causes.size > 1000) causes.delete(causes.keys().next().value!);
    inner[level](msg, fields);
  };
  return {
    debug: (m, f) => inner.debug(m, f),
    info: (m, f) => inner.info(m, f),
    warn: limited("warn"),
    error: limited("error"),
    child: (component) => rateLimitedLogger(inner.child(component), windowMs, now),
    [WRAPPED]: true,
  } as Logger;
}

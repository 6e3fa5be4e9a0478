/**
 * A small structured logger writing one line per event to stderr, as text or
 * JSON. Roles take a {@linkcode Logger}; tests pass {@linkcode silentLogger}.
 *
 * @module
 */

/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Output format of a log line. */
export type LogFormat = "text" | "json";

/** Default {@linkcode LoggerOptions.format}: lines for people. */
export const DEFAULT_LOG_FORMAT: LogFormat = "text";

/** Structured fields attached to a line. */
export type LogFields = Record<string, unknown>;

/** What roles log through. */
export interface Logger {
  /** Logs a debug line. */
  debug(msg: string, fields?: LogFields): void;
  /** Logs an info line. */
  info(msg: string, fields?: LogFields): void;
  /** Logs a warning. */
  warn(msg: string, fields?: LogFields): void;
  /** Logs an error. */
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `component` to every line. */
  child(component: string): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Lowest level written. @default {"info"} */
  level?: LogLevel;
  /** Line format. @default {DEFAULT_LOG_FORMAT} */
  format?: LogFormat;
  /** Where lines go. @default writes to stderr */
  write?: (line: string) => void;
  /** Component name shown on each line. */
  component?: string;
}

const encoder = new TextEncoder();
const stderr = (line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n"));

/** Creates a logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = RANK[options.level ?? "info"];
  const format = options.format ?? DEFAULT_LOG_FORMAT;
  const write = options.write ?? stderr;
  const component = options.component;
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[level] < min) return;
    const time = new Date().toISOString();
    if (format === "json") {
      write(JSON.stringify({ time, level, component, msg, ...fields }));
      return;
    }
    const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${formatValue(v)}`).join("");
    write(
      `${time} ${level.toUpperCase().padEnd(5)} ${
        component ? `[${component}] ` : ""
      }${msg}${extra}`,
    );
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (c) => createLogger({ ...options, component: component ? `${component}/${c}` : c }),
  };
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  return JSON.stringify(v);
}

/** A logger that writes nothing. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/**
 * A parser for Prometheus label syntax (`k="v",k2="v2"`), as found in the
 * `labels_raw` column of DCGM exporter exports. It never throws: on junk it
 * returns every pair it could read plus an error description.
 *
 * @module
 */

/** The result of {@linkcode parsePromLabels}. */
export interface PromLabels {
  /** Every well-formed `name="value"` pair, in input order (last one wins). */
  labels: Record<string, string>;
  /** `true` when the whole input was well formed. */
  ok: boolean;
  /** What was wrong with the first malformed part, when `ok` is `false`. */
  error?: string;
}

/** The most input {@linkcode parsePromLabels} reads; the rest is ignored and flagged. */
export const MAX_PROM_LABELS_LENGTH = 65_536;

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/**
 * Parses Prometheus label syntax: `name="value"` pairs separated by commas,
 * optionally wrapped in `{}`, with whitespace around tokens and a trailing
 * comma allowed. Values support the `\"`, `\\` and `\n` escapes; an unknown
 * escape is kept as written and flagged.
 *
 * A malformed pair is skipped up to the next comma outside quotes and parsing
 * goes on, so one bad pair never loses the others.
 *
 * @param text the label text; non-strings yield no labels and an error
 * @returns the labels read and whether the input was well formed
 *
 * @example
 * ```ts
 * parsePromLabels('gpu="0",Hostname="h1"');
 * // { labels: { gpu: "0", Hostname: "h1" }, ok: true }
 * ```
 */
export function parsePromLabels(text: string): PromLabels {
  return (typeof text === "string" && fastParse(text)) || slowParse(text);
}

// One well-formed pair, then a comma or the end.
const PAIR = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\["\\n])*)"\s*(?:,|$)/y;

// The common case, well-formed input without braces, by regex; `undefined`
// sends anything else to the careful parser.
function fastParse(text: string): PromLabels | undefined {
  if (text.length > MAX_PROM_LABELS_LENGTH || text.includes("{")) return undefined;
  const pairs = new Map<string, string>();
  PAIR.lastIndex = 0;
  while (PAIR.lastIndex < text.length) {
    const at = PAIR.lastIndex;
    const m = PAIR.exec(text);
    if (m === null) return /^\s*$/.test(text.slice(at)) ? done(pairs) : undefined;
    const value = m[2].includes("\\")
      ? m[2].replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c))
      : m[2];
    pairs.set(m[1], value);
    if (m[0].length === 0) return undefined;
  }
  return done(pairs);
}

function done(pairs: Map<string, string>): PromLabels {
  return { labels: Object.fromEntries(pairs), ok: true };
}

function slowParse(text: string): PromLabels {
  const pairs = new Map<string, string>();
  let error: string | undefined;
  const fail = (message: string) => {
    error ??= message;
  };
  if (typeof text !== "string") {
    return { labels: {}, ok: false, error: "labels are not a string" };
  }
  let input = text;
  if (input.length > MAX_PROM_LABELS_LENGTH) {
    fail(`labels longer than ${MAX_PROM_LABELS_LENGTH} characters were cut`);
    input = input.slice(0, MAX_PROM_LABELS_LENGTH);
  }
  input = input.trim();
  if (input.startsWith("{")) {
    input = input.endsWith("}") ? input.slice(1, -1) : input.slice(1);
    if (!text.trim().endsWith("}")) fail("missing closing '}'");
  }
  let i = 0;
  const n = input.length;
  const skipSpace = () => {
    while (i < n && /\s/.test(input[i])) i++;
  };
  // Skips to just after the next comma outside quotes.
  const recover = () => {
    let quoted = false;
    while (i < n) {
      const ch = input[i++];
      if (quoted && ch === "\\") i++;
      else if (ch === '"') quoted = !quoted;
      else if (ch === "," && !quoted) return;
    }
  };
  while (true) {
    skipSpace();
    if (i >= n) break;
    const nameStart = i;
    if (!NAME_START.test(input[i])) {
      fail(`bad label name at character ${i}`);
      recover();
      continue;
    }
    while (i < n && NAME_PART.test(input[i])) i++;
    const name = input.slice(nameStart, i);
    skipSpace();
    if (input[i] !== "=") {
      fail(`expected '=' after label ${name}`);
      recover();
      continue;
    }
    i++;
    skipSpace();
    if (input[i] !== '"') {
      fail(`expected '"' to open the value of label ${name}`);
      recover();
      continue;
    }
    i++;
    let value = "";
    let closed = false;
    while (i < n) {
      const ch = input[i++];
      if (ch === '"') {
        closed = true;
        break;
      }
      if (ch !== "\\") {
        value += ch;
        continue;
      }
      const esc = input[i++];
      if (esc === '"' || esc === "\\") value += esc;
      else if (esc === "n") value += "\n";
      else {
        fail(`unknown escape in label ${name}`);
        value += esc === undefined ? "\\" : `\\${esc}`;
      }
    }
    if (!closed) {
      fail(`unterminated value of label ${name}`);
      break;
    }
    pairs.set(name, value);
    skipSpace();
    if (i >= n) break;
    if (input[i] === ",") {
      i++;
      continue;
    }
    fail(`expected ',' after label ${name}`);
    recover();
  }
  const labels = Object.fromEntries(pairs);
  return error === undefined ? { labels, ok: true } : { labels, ok: false, error };
}

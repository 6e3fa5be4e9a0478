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
  if (typeof text !== "string") {
    return { labels: {}, ok: false, error: "labels are not a string" };
  }
  const scanner = new LabelScanner(text);
  const pairs = new Map<string, string>();
  scanner.readAll(pairs);
  const labels = Object.fromEntries(pairs);
  const error = scanner.error;
  return error === undefined ? { labels, ok: true } : { labels, ok: false, error };
}

// The careful parser: a cursor over the label text that notes the first
// thing wrong and skips a malformed pair up to the next comma outside quotes.
class LabelScanner {
  error: string | undefined;
  readonly #input: string;
  #i = 0;

  constructor(text: string) {
    this.#input = this.#unwrap(text);
  }

  fail(message: string): void {
    this.error ??= message;
  }

  // The text cut to the length limit, trimmed, without its braces.
  #unwrap(text: string): string {
    let input = text;
    if (input.length > MAX_PROM_LABELS_LENGTH) {
      this.fail(`labels longer than ${MAX_PROM_LABELS_LENGTH} characters were cut`);
      input = input.slice(0, MAX_PROM_LABELS_LENGTH);
    }
    input = input.trim();
    if (input.startsWith("{")) {
      input = input.endsWith("}") ? input.slice(1, -1) : input.slice(1);
      if (!text.trim().endsWith("}")) this.fail("missing closing '}'");
    }
    return input;
  }

  // Reads every well-formed pair into `pairs`, in order.
  readAll(pairs: Map<string, string>): void {
    const input = this.#input;
    while (true) {
      this.#skipSpace();
      if (this.#i >= input.length) return;
      const name = this.#name();
      if (name === undefined) {
        this.#recover();
        continue;
      }
      const value = this.#value(name);
      if (value === undefined) return; // unterminated: it ran to the end
      pairs.set(name, value);
      this.#skipSpace();
      if (this.#i >= input.length) return;
      if (input[this.#i] === ",") {
        this.#i++;
        continue;
      }
      this.fail(`expected ',' after label ${name}`);
      this.#recover();
    }
  }

  // A label name, its '=' and the value's opening quote; undefined (noted)
  // when one of them is missing.
  #name(): string | undefined {
    const input = this.#input;
    const start = this.#i;
    if (!NAME_START.test(input[this.#i])) {
      this.fail(`bad label name at character ${this.#i}`);
      return undefined;
    }
    while (this.#i < input.length && NAME_PART.test(input[this.#i])) this.#i++;
    const name = input.slice(start, this.#i);
    this.#skipSpace();
    if (input[this.#i] !== "=") {
      this.fail(`expected '=' after label ${name}`);
      return undefined;
    }
    this.#i++;
    this.#skipSpace();
    if (input[this.#i] !== '"') {
      this.fail(`expected '"' to open the value of label ${name}`);
      return undefined;
    }
    this.#i++;
    return name;
  }

  // The value after its opening quote, escapes resolved; undefined (noted)
  // when it is never closed.
  #value(name: string): string | undefined {
    const input = this.#input;
    let value = "";
    while (this.#i < input.length) {
      const ch = input[this.#i++];
      if (ch === '"') return value;
      if (ch !== "\\") {
        value += ch;
        continue;
      }
      const esc = input[this.#i++];
      if (esc === '"' || esc === "\\") value += esc;
      else if (esc === "n") value += "\n";
      else {
        this.fail(`unknown escape in label ${name}`);
        value += esc === undefined ? "\\" : `\\${esc}`;
      }
    }
    this.fail(`unterminated value of label ${name}`);
    return undefined;
  }

  #skipSpace(): void {
    while (this.#i < this.#input.length && /\s/.test(this.#input[this.#i])) this.#i++;
  }

  // Skips to just after the next comma outside quotes.
  #recover(): void {
    const input = this.#input;
    let quoted = false;
    while (this.#i < input.length) {
      const ch = input[this.#i++];
      if (quoted && ch === "\\") this.#i++;
      else if (ch === '"') quoted = !quoted;
      else if (ch === "," && !quoted) return;
    }
  }
}

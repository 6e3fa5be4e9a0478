/**
 * A strict checker for Prometheus text exposition 0.0.4, for tests: every
 * sample line is well-formed and belongs to a family declared by `# HELP`
 * and `# TYPE` before it; families are contiguous.
 *
 * @module
 */

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(
  `^(${NAME})(\\{(?:${LABEL}(?:,${LABEL})*)?\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)( -?[0-9]+)?$`,
);

/** A parsed sample. */
export interface PromSample {
  name: string;
  labels: string;
  value: number;
}

/**
 * Checks a document and returns its samples.
 *
 * @throws {Error} naming the first offending line
 */
export function checkExposition(text: string): PromSample[] {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const help = new Set<string>();
  const type = new Set<string>();
  const closed = new Set<string>();
  let current = "";
  const out: PromSample[] = [];
  text.slice(0, -1).split("\n").forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${NAME}) .*$`).exec(line))) {
      if (help.has(m[1])) throw new Error(`duplicate HELP, ${where}`);
      help.add(m[1]);
      return;
    }
    if (
      (m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))
    ) {
      if (type.has(m[1])) throw new Error(`duplicate TYPE, ${where}`);
      type.add(m[1]);
      if (current && current !== m[1]) closed.add(current);
      current = m[1];
      return;
    }
    if (line.startsWith("#")) throw new Error(`unknown comment, ${where}`);
    if (!(m = SAMPLE.exec(line))) throw new Error(`malformed sample, ${where}`);
    const name = m[1];
    if (!help.has(name) || !type.has(name)) throw new Error(`sample before HELP/TYPE, ${where}`);
    if (closed.has(name) || name !== current) throw new Error(`family not contiguous, ${where}`);
    out.push({ name, labels: m[2] ?? "", value: Number(m[3]) });
  });
  return out;
}

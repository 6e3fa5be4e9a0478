/**
 * Prometheus text exposition (format 0.0.4): a builder that writes `# HELP`
 * and `# TYPE` once per family and escapes label values.
 *
 * @module
 */

/** A metric family type. */
export type MetricType = "counter" | "gauge";

/** Label name → value. */
export type Labels = Record<string, string | number>;

/** Builds one exposition document; samples of a family are kept together. */
export class PromText {
  #families = new Map<string, string[]>();

  /**
   * Adds a sample, declaring its family on first use.
   *
   * @param name metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`)
   * @throws {RangeError} on an invalid metric name
   */
  sample(name: string, type: MetricType, help: string, value: number, labels: Labels = {}): this {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) {
      throw new RangeError(`invalid metric name ${name}`);
    }
    let lines = this.#families.get(name);
    if (!lines) {
      const h = help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
      lines = [`# HELP ${name} ${h}`, `# TYPE ${name} ${type}`];
      this.#families.set(name, lines);
    }
    const ls = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
    lines.push(`${name}${ls.length ? `{${ls.join(",")}}` : ""} ${formatNumber(value)}`);
    return this;
  }

  /** The document, newline-terminated. */
  toString(): string {
    return [...this.#families.values()].flat().join("\n") + "\n";
  }
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Content type of the exposition format. */
export const PROM_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

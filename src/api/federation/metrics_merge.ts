/**
 * `/metrics` over many collectors: each collector's exposition merged into
 * one document without a duplicate series. A GPU's series (labelled `UUID`)
 * (one per GPU and metric, whatever labels each collector knows for it)
 * come from the collector that saw the GPU last, so a GPU that two
 * collectors hold after a rebalance appears once; every other series (a
 * collector's own counters) gets a `collector` label naming where it came
 * from. Families stay contiguous, with one `# HELP` and `# TYPE` each. Pure.
 *
 * @module
 */

import { escapeLabel } from "../../obs/prometheus.ts";

/** One collector's exposition and, per GPU UUID, when it last saw the GPU (epoch ms). */
export interface CollectorMetrics {
  /** The collector's base URL, used as its `collector` label. */
  url: string;
  /** Its `/metrics` text. */
  text: string;
  /** `last_seen` (epoch ms) per GPU id, from its `/api/v1/gpus`. */
  lastSeen: ReadonlyMap<string, number>;
}

interface Family {
  header: string[];
  samples: Map<string, string>;
  owner: Map<string, number>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+(?:\s+-?\d+)?)$/;
const UUID_LABEL = /(?:^|[{,])UUID="((?:[^"\\]|\\.)*)"/;

/**
 * Merges expositions.
 *
 * @param collectors each collector's text and GPU recency
 * @param own the api process's own exposition, appended as is
 * @returns one document, newline-terminated
 */
export function mergeMetrics(collectors: readonly CollectorMetrics[], own = ""): string {
  const families = new Map<string, Family>();
  const familyOf = (name: string) => {
    let family = families.get(name);
    if (family === undefined) {
      families.set(name, family = { header: [], samples: new Map(), owner: new Map() });
    }
    return family;
  };
  for (const { url, text, lastSeen } of collectors) {
    const collector = `collector="${escapeLabel(url)}"`;
    for (const line of text.split("\n")) {
      const meta = line.match(/^# (HELP|TYPE) (\S+)/);
      if (meta !== null) {
        const family = familyOf(meta[2]);
        if (!family.header.some((h) => h.startsWith(`# ${meta[1]} `))) family.header.push(line);
        continue;
      }
      const sample = line.match(SAMPLE);
      if (sample === null) continue;
      const [, name, labels = "", value] = sample;
      const family = familyOf(name);
      const uuid = labels.match(UUID_LABEL)?.[1];
      if (uuid === undefined) {
        const inner = labels === "" ? collector : `${labels.slice(1, -1)},${collector}`;
        family.samples.set(`${name}{${inner}}`, `${name}{${inner}} ${value}`);
        continue;
      }
      // One series per GPU and metric, whatever labels each collector knows for it.
      const series = `${name}\n${uuid}`;
      const seen = lastSeen.get(uuid) ?? -Infinity;
      if (!family.samples.has(series) || seen > (family.owner.get(series) ?? -Infinity)) {
        family.samples.set(series, line);
        family.owner.set(series, seen);
      }
    }
  }
  const lines: string[] = [];
  for (const [, family] of families) {
    if (family.samples.size === 0) continue;
    lines.push(...family.header);
    lines.push(...family.samples.values());
  }
  const body = lines.length === 0 ? "" : lines.join("\n") + "\n";
  return body + own;
}

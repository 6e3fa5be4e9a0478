/**
 * Turns a CSV header record into unique, non-empty field names.
 *
 * @module
 */

/**
 * Normalizes header names so every column has a unique, non-empty name:
 *
 * - names are trimmed of spaces and tabs (`gpu_id, temperature` →
 *   `temperature`);
 * - an empty name becomes `column_N`, N being the 1-based column position
 *   (pandas writes an unnamed index column this way);
 * - a repeated name gets `_2`, `_3`, … in order of appearance, skipping any
 *   suffix that is already taken (`a,a,a_2` → `a`, `a_3`, `a_2`).
 *
 * Renaming keeps every value of the row; no column is dropped silently.
 *
 * @param raw the header record's field texts
 * @returns one name per column, all distinct
 *
 * @example
 * ```ts
 * normalizeHeader(["", "gpu_id", "gpu_id"]); // ["column_1", "gpu_id", "gpu_id_2"]
 * ```
 */
export function normalizeHeader(raw: readonly string[]): string[] {
  const trimmed = raw.map((name, i) => {
    const t = name.replace(/^[ \t]+|[ \t]+$/g, "");
    return t === "" ? `column_${i + 1}` : t;
  });
  // Names as written are claimed first, so a renamed duplicate never takes a
  // name that a later column carries itself.
  const taken = new Set(trimmed);
  const seen = new Set<string>();
  return trimmed.map((name) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let n = 2;
    while (taken.has(`${name}_${n}`)) n++;
    const renamed = `${name}_${n}`;
    taken.add(renamed);
    seen.add(renamed);
    return renamed;
  });
}

/**
 * Reads one page of a GPU's telemetry from several sources so that each
 * origin appears once: copies of one message (stored by two collectors)
 * share their timestamp, so in `(ts, source, seq)` order the first copy
 * comes first and is the one kept — on this page or, at a page boundary,
 * on an earlier one (`seen`). Pure: the sources' reads are passed in.
 *
 * @module
 */
import type { WindowEntry } from "./memory_window.ts";
import { uniqueByOrigin } from "../record/origin.ts";

/** An entry with the index of the source it came from. */
export interface Ranked {
  /** The entry. */
  entry: WindowEntry;
  /** Index of its source. */
  source: number;
}

/** Order of a merged page: time, then source, then line. */
export const byPosition = (a: Ranked, b: Ranked): number =>
  a.entry.ts - b.entry.ts || a.source - b.source || a.entry.seq - b.entry.seq;

/**
 * The first `limit + 1` entries after the page start with no origin twice
 * (fewer when the sources hold no more).
 *
 * @param read reads up to `perSource` entries from each source after the
 *   page start, each list sorted by {@linkcode byPosition}
 * @param limit the page size
 * @param seen origins given out before the page start (at its timestamp)
 */
export async function readUniquePage(
  read: (perSource: number) => Promise<Ranked[][]>,
  limit: number,
  seen: ReadonlySet<string>,
): Promise<Ranked[]> {
  for (let perSource = limit + 1;; perSource *= 2) {
    const lists = await read(perSource);
    // A source that returned all it was asked for may hold more past its
    // last entry: only what sorts before that is complete.
    let horizon: Ranked | undefined;
    for (const list of lists) {
      const last = list.at(-1);
      if (list.length < perSource || last === undefined) continue;
      if (horizon === undefined || byPosition(last, horizon) < 0) horizon = last;
    }
    const merged = lists.flat().sort(byPosition)
      .filter((r) => horizon === undefined || byPosition(r, horizon) <= 0);
    const unique = uniqueByOrigin(merged, (r) => r.entry.record, new Set(seen));
    if (unique.length > limit || horizon === undefined) return unique.slice(0, limit + 1);
  }
}

/**
 * `ownership.json` beside `groups.json`: each group's partitions' home keys
 * and assignment generations, so that after a restart generations keep
 * growing and every partition waits (up to the rejoin grace) for the member
 * that owned it, instead of being shuffled among whoever reconnects first.
 * Losing the file costs only that stickiness, never data.
 *
 * @module
 */
import { join } from "node:path";
import type { BrokerCore } from "./core.ts";
import type { OwnershipState } from "./group_types.ts";

/** The file's name inside the broker's data dir. */
export const OWNERSHIP_FILE_NAME = "ownership.json";

/** topic → group → ownership. */
export type OwnershipFile = Record<string, Record<string, OwnershipState>>;

/** Collects every group's ownership. */
export function ownershipOf(core: BrokerCore): OwnershipFile {
  const out: OwnershipFile = {};
  for (const t of core.topics.values()) {
    for (const g of t.groups.values()) (out[t.name] ??= {})[g.name] = g.ownership();
  }
  return out;
}

/**
 * Restores what `<dir>/ownership.json` holds into the core's groups.
 *
 * @returns "missing", "unreadable" (ignored: stickiness only) or "restored"
 */
export async function restoreOwnership(
  dir: string,
  core: BrokerCore,
): Promise<"missing" | "unreadable" | "restored"> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(join(dir, OWNERSHIP_FILE_NAME)));
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? "missing" : "unreadable";
  }
  if (typeof parsed !== "object" || parsed === null) return "unreadable";
  for (const [topic, groups] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof groups !== "object" || groups === null) continue;
    for (const [group, state] of Object.entries(groups as Record<string, unknown>)) {
      if (typeof state === "object" && state !== null) {
        core.restoreOwnership(topic, group, state as Partial<OwnershipState>);
      }
    }
  }
  return "restored";
}

/** Writes the file when its content changed (temp file, then rename). */
export class OwnershipWriter {
  readonly #path: string;
  #last = "";

  /**
   * Writes ownership files into `dir`.
   * @param dir the broker's data dir
   */
  constructor(dir: string) {
    this.#path = join(dir, OWNERSHIP_FILE_NAME);
  }

  /** Saves the core's ownership if it changed since the last save. */
  async save(core: BrokerCore): Promise<void> {
    const text = JSON.stringify(ownershipOf(core));
    if (text === this.#last) return;
    await Deno.writeTextFile(`${this.#path}.tmp`, text);
    await Deno.rename(`${this.#path}.tmp`, this.#path);
    this.#last = text;
  }
}

/**
 * Writes a planned store round: one journal entry holding the round's lines
 * and positions, appended and fdatasynced. That is the round's commit point:
 * the lines then join their GPU files' tails (see `file_tail.ts`), which a
 * checkpoint writes to the files later. The I/O edge of
 * {@linkcode CollectorStore.writeMany}.
 *
 * @module
 */

import { join } from "node:path";
import { FileTail } from "./file_tail.ts";
import type { JournalFile } from "../datadir/journal.ts";
import { encodeJournalEntry } from "../datadir/journal_codec.ts";
import type { CommitGroup } from "./round_plan.ts";
import type { StoreFile } from "./store_recovery.ts";
import { TimeIndex } from "../query/time_index.ts";

/** What {@linkcode commitRound} writes with. */
export interface RoundIo {
  /** The data dir. */
  dir: string;
  /** Lines per index block of a new file. */
  indexEvery: number;
  /** The journal generation to append to. */
  journal: JournalFile;
  /** The store's files by name; a name missing here is a new file. */
  files: ReadonlyMap<string, StoreFile>;
}

/**
 * Writes one round. Resolves once its journal entry is durable, with the
 * file of each name in the group (new files included), whose tails now hold
 * the round's lines; the caller indexes them.
 *
 * On failure the journal is cut back to its size before the round and the
 * error is rethrown; a cut that fails is passed to `onCutFailure` (the store
 * must then stop writing: the journal may hold a round it did not
 * acknowledge, which a restart would replay after the next one).
 *
 * @throws {Error} what the file system threw
 */
export async function commitRound(
  io: RoundIo,
  group: CommitGroup,
  onCutFailure: (error: unknown) => void,
): Promise<(name: string) => StoreFile> {
  const targets = new Map<string, StoreFile>();
  const blocks = [];
  for (const [name, lines] of group.files) {
    const file = io.files.get(name) ?? {
      name,
      path: join(io.dir, name),
      index: new TimeIndex(io.indexEvery),
      tail: new FileTail(0),
    };
    targets.set(name, file);
    blocks.push({ name, offset: file.index.size, parts: lines.parts, size: lines.size });
  }
  const entry = encodeJournalEntry(group.positions, blocks);
  const before = io.journal.size;
  try {
    await io.journal.append(entry.bytes);
  } catch (error) {
    await io.journal.truncate(before).catch((cut) => {
      onCutFailure(new AggregateError([error, cut], `cannot cut back ${io.journal.path}`));
    });
    throw error;
  }
  let i = 0;
  for (const file of targets.values()) file.tail!.add(entry.blocks[i++]);
  return (name) => targets.get(name)!;
}

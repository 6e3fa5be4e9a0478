/**
 * A read-only view of the rounds in a collector's journal that its GPU files
 * do not hold yet by its last checkpoint: the journal generations from the
 * checkpoint's on, each block past its file's checkpointed size. A collector
 * acks a round once its journal entry is fdatasynced, so these are acked
 * records; a collector killed and not restarted keeps them only there (its
 * files catch up when it next opens the dir). Showing them lets `gputel api`
 * serve every acked row of a crashed collector without its lock and without
 * writing anything. Whole, CRC-valid entries only: a torn last entry is a
 * round that was never acked. Pure reading: no lock, no writes.
 *
 * @module
 */
import { byTimeThenSeq, entryMatcher } from "./file_reader.ts";
import { decodeJournal } from "../datadir/journal_codec.ts";
import { listJournals } from "../datadir/journal.ts";
import { splitLines } from "../datadir/jsonl_files.ts";
import { type MemoryStats, MemoryWindow, type WindowEntry } from "./memory_window.ts";
import type { ReadRequest, TelemetrySource } from "./source.ts";
import { WindowAnswers } from "./window_answers.ts";
import { parseRecordLine } from "../record/stored_line.ts";

/** Counters of a {@linkcode JournalTailView}. */
export interface JournalTailStats extends Record<string, number> {
  /** Records the journal holds past the checkpoint (as of the last refresh). */
  journal_tail_records: number;
  /** Journal bytes read for them. */
  journal_tail_bytes: number;
}

/** Journal records past a collector's checkpoint, as a query source. */
export class JournalTailView extends WindowAnswers implements TelemetrySource {
  readonly #dir: string;
  #window = newWindow();
  #seq = new Map<string, number>();
  #signature = "";
  #stats: JournalTailStats = { journal_tail_records: 0, journal_tail_bytes: 0 };

  /**
   * Creates a view of the journals in `dir`.
   * @param dir the collector's dir
   */
  constructor(dir: string) {
    super();
    this.#dir = dir;
  }

  /** The tail's records. */
  protected override get window(): MemoryWindow {
    return this.#window;
  }

  /**
   * Rereads the journal tail past a checkpoint (only when the journal files
   * or the checkpoint changed since the last call).
   *
   * @param journalGen the checkpoint's journal generation: replay starts there
   * @param sizes each GPU file's checkpointed size
   */
  async refresh(journalGen: number, sizes: ReadonlyMap<string, number>): Promise<void> {
    const journals = (await listJournals(this.#dir)).filter((j) => j.gen >= journalGen);
    const lengths = await Promise.all(
      journals.map((j) => Deno.stat(j.path).then((s) => s.size, () => -1)),
    );
    const signature = JSON.stringify([journalGen, [...sizes], journals.map((j) => j.gen), lengths]);
    if (signature === this.#signature) return;
    const window = newWindow();
    const seq = new Map<string, number>();
    let bytes = 0;
    let records = 0;
    for (const journal of journals) {
      let data: Uint8Array;
      try {
        data = await Deno.readFile(journal.path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue; // checkpointed meanwhile
        throw error;
      }
      for (const entry of decodeJournal(data).entries) {
        for (const block of entry.blocks) {
          if (block.offset + block.bytes.length <= (sizes.get(block.name) ?? 0)) continue;
          bytes += block.bytes.length;
          splitLines(block.bytes, (line) => {
            const parsed = parseRecordLine(line);
            if (parsed === undefined) return;
            const gpu = parsed.record.gpu_id;
            const n = seq.get(gpu) ?? 0;
            seq.set(gpu, n + 1);
            window.add({ seq: n, ...parsed });
            records++;
          });
        }
      }
    }
    this.#window = window;
    this.#seq = seq;
    this.#signature = signature;
    this.#stats = { journal_tail_records: records, journal_tail_bytes: bytes };
  }

  /** The origins of every record in the tail (see `origin.ts`). */
  *origins(): Generator<string> {
    for (const gpu of this.#window.gpus()) {
      for (const entry of this.#window.entries(gpu.id)) {
        if (typeof entry.record._o === "string") yield entry.record._o;
      }
    }
  }

  /** Records of the GPU in the tail. */
  highWater(gpuId: string): number {
    return this.#seq.get(gpuId) ?? 0;
  }

  /** Entries of a GPU for a request, sorted by `(ts, seq)`. */
  read(gpuId: string, request: ReadRequest): Promise<WindowEntry[]> {
    const matches = entryMatcher(gpuId, request);
    const found = this.#window.entries(gpuId).filter(matches).sort(byTimeThenSeq);
    return Promise.resolve(found.slice(0, request.limit));
  }

  /** Counters. */
  stats(): JournalTailStats {
    return { ...this.#stats };
  }

  /** Usage of the memory the tail is held in (it has no limits of its own). */
  memoryStats(): MemoryStats {
    return { ...this.#window.memoryStats(), max_entries_per_gpu: 0, max_records: 0 };
  }
}

function newWindow(): MemoryWindow {
  return new MemoryWindow({ maxEntries: 1_000_000_000, maxMemory: 1_000_000_000 });
}

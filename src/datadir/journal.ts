/**
 * The collector's write-ahead journal files: `journal-<gen>.wal` in the data
 * dir, one generation per checkpoint interval. A store round appends one
 * entry (see `journal_codec.ts`) and fdatasyncs it: that is the round's
 * commit point. A checkpoint starts a new generation; once it is recorded in
 * Deno KV the older generations are deleted. The I/O edge of the journal.
 *
 * @module
 */

import { join } from "node:path";
import { type FileLayer, type LayerFile, realFiles } from "../fs/file_layer.ts";

const NAME = /^journal-(\d{1,15})\.wal$/;

/** The file name of a journal generation. */
export function journalFileName(gen: number): string {
  return `journal-${gen}.wal`;
}

/** A journal file found in a data dir. */
export interface JournalFileInfo {
  /** Its generation. */
  gen: number;
  /** Its path. */
  path: string;
}

/**
 * The journal files in a dir, oldest generation first.
 *
 * @param dir the data dir
 */
export async function listJournals(dir: string): Promise<JournalFileInfo[]> {
  const found: JournalFileInfo[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = entry.isFile ? NAME.exec(entry.name) : null;
    if (match !== null) found.push({ gen: Number(match[1]), path: join(dir, entry.name) });
  }
  return found.sort((a, b) => a.gen - b.gen);
}

/**
 * Deletes the journal files of generations below `gen`.
 *
 * @returns how many were deleted
 */
export async function deleteJournalsBefore(dir: string, gen: number): Promise<number> {
  let deleted = 0;
  for (const journal of await listJournals(dir)) {
    if (journal.gen >= gen) break;
    await Deno.remove(journal.path).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    deleted++;
  }
  return deleted;
}

/** The journal generation rounds append to. */
export class JournalFile {
  /** Journal generation number. */
  readonly gen: number;
  /** Path of the journal file. */
  readonly path: string;
  readonly #file: LayerFile;
  readonly #sync: boolean;
  #size = 0;
  #closed = false;

  private constructor(gen: number, path: string, file: LayerFile, sync: boolean) {
    this.gen = gen;
    this.path = path;
    this.#file = file;
    this.#sync = sync;
  }

  /**
   * Creates generation `gen` (it must not exist) and, with `sync`, fsyncs
   * the dir so the new file outlives a power loss.
   *
   * @param dir the data dir
   * @param gen the generation
   * @param sync fdatasync appends and the dir
   * @param files the file layer (the OS, or a simulated disk in power-cut tests)
   * @throws {Deno.errors.AlreadyExists} when the file exists
   */
  static async create(
    dir: string,
    gen: number,
    sync: boolean,
    files: FileLayer = realFiles,
  ): Promise<JournalFile> {
    const path = join(dir, journalFileName(gen));
    const file = await files.open(path, { write: true, createNew: true });
    try {
      if (sync) await files.syncDir(dir);
    } catch (error) {
      file.close();
      throw error;
    }
    return new JournalFile(gen, path, file, sync);
  }

  /** Bytes appended so far. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends an entry and, with `sync`, fdatasyncs it: once this resolves the
   * entry survives a crash. On failure the file may hold part of it: cut it
   * back with {@linkcode truncate}.
   */
  async append(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) done += await this.#file.write(bytes.subarray(done));
    if (this.#sync) await this.#file.syncData();
    this.#size += bytes.length;
  }

  /** Cuts the file back to `size` bytes (an entry that failed), synced with `sync`. */
  async truncate(size: number): Promise<void> {
    await this.#file.truncate(size);
    await this.#file.seek(size, Deno.SeekMode.Start);
    if (this.#sync) await this.#file.syncData();
    this.#size = size;
  }

  /** Closes the file. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }
}

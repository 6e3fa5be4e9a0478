/**
 * The file layer: the seam between the code that stores data (the broker's
 * segment log, the collector's journal) and the disk. {@linkcode realFiles}
 * is the operating system; `sim_disk.ts` is a simulated disk whose page
 * cache loses unsynced writes at a simulated power cut, so tests can check
 * what survives one at every sync point.
 *
 * @module
 */

/** An open file: the subset of `Deno.FsFile` the storage code uses. */
export interface LayerFile {
  /** Writes at the current position (the end, for a file opened with `append`). */
  write(p: Uint8Array): Promise<number>;
  /** Like {@linkcode write}, on the calling thread. */
  writeSync(p: Uint8Array): number;
  /** Reads at the current position; null at the end. */
  read(p: Uint8Array): Promise<number | null>;
  /** Moves the position. */
  seek(offset: number, whence: Deno.SeekMode): Promise<number>;
  /** Cuts (or extends) the file to `len` bytes. */
  truncate(len?: number): Promise<void>;
  /** fdatasync: once it resolves, what was written survives a power loss. */
  syncData(): Promise<void>;
  /** The file's size. */
  stat(): Promise<{ size: number }>;
  /** Closes the file. */
  close(): void;
}

/** A directory entry. */
export interface LayerDirEntry {
  /** The entry's name. */
  name: string;
  /** Whether it is a file. */
  isFile: boolean;
  /** Whether it is a directory. */
  isDirectory: boolean;
}

/** File-system operations of the storage code. Errors are `Deno.errors.*`. */
export interface FileLayer {
  /** Opens a file (`Deno.open` options). */
  open(path: string, options: Deno.OpenOptions): Promise<LayerFile>;
  /** A whole file's bytes. */
  readFile(path: string): Promise<Uint8Array>;
  /** Replaces a file's bytes (not synced). */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Entries of a directory. */
  readDir(path: string): AsyncIterable<LayerDirEntry>;
  /** Creates a directory (and its parents). */
  mkdir(path: string): Promise<void>;
  /** Removes a file. */
  remove(path: string): Promise<void>;
  /** Renames a file, replacing `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Whether `path` exists, and what it is. */
  stat(path: string): Promise<{ size: number; isFile: boolean; isDirectory: boolean }>;
  /** fsync of a directory: makes created, renamed and removed names in it durable. */
  syncDir(path: string): Promise<void>;
}

/** The operating system's files. */
export const realFiles: FileLayer = {
  open: (path, options) => Deno.open(path, options),
  readFile: (path) => Deno.readFile(path),
  writeFile: (path, data) => Deno.writeFile(path, data),
  readDir: (path) => Deno.readDir(path),
  mkdir: (path) => Deno.mkdir(path, { recursive: true }),
  remove: (path) => Deno.remove(path),
  rename: (from, to) => Deno.rename(from, to),
  stat: (path) => Deno.stat(path),
  syncDir: async (path) => {
    const handle = await Deno.open(path, { read: true });
    try {
      await handle.sync();
    } catch {
      // Some platforms refuse fsync on a directory; nothing more can be done.
    } finally {
      handle.close();
    }
  },
};

/**
 * Writes `data` to `path` atomically and durably: a temp file, fdatasync,
 * rename over `path`, fsync of the directory.
 */
export async function writeFileDurably(
  files: FileLayer,
  path: string,
  data: Uint8Array,
): Promise<void> {
  const tmp = `${path}.tmp`;
  const f = await files.open(tmp, { write: true, create: true, truncate: true });
  try {
    for (let at = 0; at < data.length;) at += await f.write(data.subarray(at));
    await f.syncData();
  } finally {
    f.close();
  }
  await files.rename(tmp, path);
  await files.syncDir(dirOf(path));
}

/** The directory part of a `/`-separated path. */
export function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

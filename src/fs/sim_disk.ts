// deno-lint-ignore-file size/max-file-lines -- over the limit until issue 15 splits it
/**
 * A simulated disk behind the {@linkcode FileLayer} seam, for power-cut
 * tests (the TigerBeetle / FoundationDB approach): files live in memory,
 * writes land in a simulated page cache, and only `syncData` makes a file's
 * bytes durable and only `syncDir` makes a directory's names (created,
 * renamed, removed) durable. Every sync is a numbered sync point; with
 * `cutAt: n` the n-th one never happens: power is cut instead, the sync and
 * every later operation throw {@linkcode PowerCut}, and
 * {@linkcode SimDisk.reboot} gives the disk as it would come back: durable
 * bytes, plus a seeded prefix of each file's unsynced writes (the kernel may
 * have written some back), the last of them possibly torn. Directories are
 * durable once made (a simplification: the code under test makes them
 * before it writes into them and never removes them).
 *
 * @module
 */
import type { FileLayer, LayerDirEntry, LayerFile } from "./file_layer.ts";

/** Thrown by every operation at and after the simulated power cut. */
export class PowerCut extends Error {
  /**
   * Makes the error for a cut at `point`.
   *
   * @param point the sync point the power was cut at
   */
  constructor(point: number) {
    super(`simulated power cut at sync point ${point}`);
    this.name = "PowerCut";
  }
}

type Op = { kind: "write"; at: number; bytes: Uint8Array } | { kind: "truncate"; len: number };

interface Inode {
  data: Uint8Array;
  durable: Uint8Array;
  /** Writes since the last sync, in order. */
  pending: Op[];
}

/** Options of {@linkcode SimDisk}. */
export interface SimDiskOptions {
  /** Cut the power at this sync point (1-based) instead of syncing; 0 never. @default {0} */
  cutAt?: number;
  /** Seed of the choices made at the cut (how much unsynced data the kernel wrote back). */
  seed?: number;
}

/** An in-memory disk with a page cache that a simulated power cut empties. */
export class SimDisk implements FileLayer {
  /** Sync points passed so far. */
  syncPoints = 0;
  /** Whether the power is off. */
  dead = false;
  #cutAt: number;
  #random: () => number;
  #names = new Map<string, Inode>();
  #durableNames = new Map<string, Inode>();
  #dirs = new Set<string>(["/"]);

  /**
   * Makes an empty disk.
   *
   * @param options where to cut the power, and the seed of what survives it
   */
  constructor(options: SimDiskOptions = {}) {
    this.#cutAt = options.cutAt ?? 0;
    let s = (options.seed ?? 1) >>> 0 || 1;
    this.#random = () => {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      return s / 2 ** 32;
    };
  }

  #alive(): void {
    if (this.dead) throw new PowerCut(this.#cutAt);
  }

  /** @internal one sync point: cuts the power when it is the chosen one */
  syncPoint(): void {
    this.#alive();
    if (++this.syncPoints === this.#cutAt) {
      this.dead = true;
      throw new PowerCut(this.#cutAt);
    }
  }

  /** @internal */
  inode(path: string): Inode {
    this.#alive();
    const node = this.#names.get(norm(path));
    if (!node) throw new Deno.errors.NotFound(`no such file: ${path}`);
    return node;
  }

  open(path: string, o: Deno.OpenOptions): Promise<LayerFile> {
    this.#alive();
    const p = norm(path);
    let node = this.#names.get(p);
    if (node && o.createNew) throw new Deno.errors.AlreadyExists(`exists: ${path}`);
    if (!node) {
      if (!o.create && !o.createNew) throw new Deno.errors.NotFound(`no such file: ${path}`);
      this.#parent(p);
      node = { data: new Uint8Array(0), durable: new Uint8Array(0), pending: [] };
      this.#names.set(p, node);
    }
    const file = new SimFile(this, node, o.append === true);
    if (o.truncate) file.truncateNow(0);
    return Promise.resolve(file);
  }

  readFile(path: string): Promise<Uint8Array> {
    return Promise.resolve(this.inode(path).data.slice());
  }

  async writeFile(path: string, data: Uint8Array): Promise<void> {
    const f = await this.open(path, { write: true, create: true, truncate: true });
    await f.write(data);
    f.close();
  }

  async *readDir(path: string): AsyncIterable<LayerDirEntry> {
    this.#alive();
    const dir = norm(path);
    if (!this.#dirs.has(dir)) throw new Deno.errors.NotFound(`no such directory: ${path}`);
    const prefix = dir === "/" ? "/" : `${dir}/`;
    const seen = new Set<string>();
    for (const d of this.#dirs) {
      if (d.startsWith(prefix) && d !== dir && !d.slice(prefix.length).includes("/")) {
        seen.add(d);
        yield { name: d.slice(prefix.length), isFile: false, isDirectory: true };
      }
    }
    for (const f of [...this.#names.keys()]) {
      if (f.startsWith(prefix) && !f.slice(prefix.length).includes("/")) {
        yield { name: f.slice(prefix.length), isFile: true, isDirectory: false };
      }
    }
  }

  mkdir(path: string): Promise<void> {
    this.#alive();
    let p = norm(path);
    while (p !== "/" && !this.#dirs.has(p)) {
      this.#dirs.add(p);
      p = parentOf(p);
    }
    return Promise.resolve();
  }

  remove(path: string): Promise<void> {
    this.inode(path);
    this.#names.delete(norm(path));
    return Promise.resolve();
  }

  rename(from: string, to: string): Promise<void> {
    const node = this.inode(from);
    this.#parent(norm(to));
    this.#names.delete(norm(from));
    this.#names.set(norm(to), node);
    return Promise.resolve();
  }

  stat(path: string): Promise<{ size: number; isFile: boolean; isDirectory: boolean }> {
    this.#alive();
    const p = norm(path);
    if (this.#dirs.has(p)) return Promise.resolve({ size: 0, isFile: false, isDirectory: true });
    return Promise.resolve({ size: this.inode(p).data.length, isFile: true, isDirectory: false });
  }

  /** Makes the names in `path` durable as they are now. */
  syncDir(path: string): Promise<void> {
    this.syncPoint();
    const dir = norm(path);
    const inDir = (f: string) => parentOf(f) === dir;
    for (const f of [...this.#durableNames.keys()]) if (inDir(f)) this.#durableNames.delete(f);
    for (const [f, node] of this.#names) if (inDir(f)) this.#durableNames.set(f, node);
    return Promise.resolve();
  }

  /**
   * The disk after the power comes back: the durable names and bytes, plus
   * for each file a seeded prefix of its unsynced writes (the last one
   * possibly torn). Works on a live disk too (a cut right now).
   */
  reboot(): SimDisk {
    const next = new SimDisk({ seed: Math.floor(this.#random() * 2 ** 32) });
    next.#dirs = new Set(this.#dirs);
    const images = new Map<Inode, Inode>();
    for (const [path, node] of this.#durableNames) {
      let image = images.get(node);
      if (!image) {
        const data = this.#writtenBack(node);
        image = { data, durable: data, pending: [] };
        images.set(node, image);
      }
      next.#names.set(path, image);
      next.#durableNames.set(path, image);
    }
    return next;
  }

  #writtenBack(node: Inode): Uint8Array {
    let bytes = node.durable;
    const n = Math.floor(this.#random() * (node.pending.length + 1));
    for (let i = 0; i < n; i++) {
      const op = node.pending[i];
      if (op.kind === "truncate") bytes = resize(bytes, op.len);
      else {
        const torn = i === n - 1 && this.#random() < 0.5;
        const part = torn
          ? op.bytes.subarray(0, Math.floor(this.#random() * op.bytes.length))
          : op.bytes;
        bytes = writeAt(bytes, op.at, part);
      }
    }
    return bytes;
  }

  #parent(p: string): void {
    if (!this.#dirs.has(parentOf(p))) throw new Deno.errors.NotFound(`no such directory: ${p}`);
  }
}

/** An open file of a {@linkcode SimDisk}. */
class SimFile implements LayerFile {
  #disk: SimDisk;
  #node: Inode;
  #append: boolean;
  #pos = 0;

  constructor(disk: SimDisk, node: Inode, append: boolean) {
    this.#disk = disk;
    this.#node = node;
    this.#append = append;
  }

  writeSync(p: Uint8Array): number {
    if (this.#disk.dead) throw new PowerCut(0);
    const at = this.#append ? this.#node.data.length : this.#pos;
    this.#node.data = writeAt(this.#node.data, at, p);
    this.#node.pending.push({ kind: "write", at, bytes: p.slice() });
    this.#pos = at + p.length;
    return p.length;
  }

  write(p: Uint8Array): Promise<number> {
    try {
      return Promise.resolve(this.writeSync(p));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  read(p: Uint8Array): Promise<number | null> {
    if (this.#disk.dead) return Promise.reject(new PowerCut(0));
    const data = this.#node.data;
    if (this.#pos >= data.length) return Promise.resolve(null);
    const n = Math.min(p.length, data.length - this.#pos);
    p.set(data.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return Promise.resolve(n);
  }

  seek(offset: number, whence: Deno.SeekMode): Promise<number> {
    const base = whence === Deno.SeekMode.Start
      ? 0
      : whence === Deno.SeekMode.Current
      ? this.#pos
      : this.#node.data.length;
    this.#pos = base + offset;
    return Promise.resolve(this.#pos);
  }

  /** @internal */
  truncateNow(len: number): void {
    this.#node.data = resize(this.#node.data, len);
    this.#node.pending.push({ kind: "truncate", len });
  }

  truncate(len = 0): Promise<void> {
    if (this.#disk.dead) return Promise.reject(new PowerCut(0));
    this.truncateNow(len);
    return Promise.resolve();
  }

  syncData(): Promise<void> {
    try {
      this.#disk.syncPoint();
    } catch (e) {
      return Promise.reject(e);
    }
    this.#node.durable = this.#node.data.slice();
    this.#node.pending = [];
    return Promise.resolve();
  }

  stat(): Promise<{ size: number }> {
    return Promise.resolve({ size: this.#node.data.length });
  }

  close(): void {}
}

function norm(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

function parentOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

function resize(bytes: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(bytes.subarray(0, Math.min(len, bytes.length)));
  return out;
}

function writeAt(bytes: Uint8Array, at: number, part: Uint8Array): Uint8Array {
  const out = at + part.length > bytes.length ? resize(bytes, at + part.length) : bytes;
  out.set(part, at);
  return out;
}

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
import { SimFile, SimInode } from "./sim_file.ts";
import { SimPower } from "./sim_power.ts";

/** Default {@linkcode SimDiskOptions.cutAt}: 0, the power is never cut. */
export const DEFAULT_CUT_AT = 0;

/** Options of {@linkcode SimDisk}. */
export interface SimDiskOptions {
  /** Cut the power at this sync point (1-based) instead of syncing; 0 never. @default {DEFAULT_CUT_AT} */
  cutAt?: number;
  /** Seed of the choices made at the cut (how much unsynced data the kernel wrote back). */
  seed?: number;
}

/** An in-memory disk with a page cache that a simulated power cut empties. */
export class SimDisk implements FileLayer {
  #power: SimPower;
  #random: () => number;
  #names = new Map<string, SimInode>();
  #durableNames = new Map<string, SimInode>();
  #dirs = new Set<string>(["/"]);

  /**
   * Makes an empty disk.
   *
   * @param options where to cut the power, and the seed of what survives it
   */
  constructor(options: SimDiskOptions = {}) {
    this.#power = new SimPower(options.cutAt ?? DEFAULT_CUT_AT);
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

  /** Sync points passed so far. */
  get syncPoints(): number {
    return this.#power.syncPoints;
  }

  /** Whether the power is off. */
  get dead(): boolean {
    return this.#power.dead;
  }

  #inode(path: string): SimInode {
    this.#power.alive();
    const node = this.#names.get(norm(path));
    if (!node) throw new Deno.errors.NotFound(`no such file: ${path}`);
    return node;
  }

  open(path: string, o: Deno.OpenOptions): Promise<LayerFile> {
    this.#power.alive();
    const p = norm(path);
    let node = this.#names.get(p);
    if (node && o.createNew) throw new Deno.errors.AlreadyExists(`exists: ${path}`);
    if (!node) {
      if (!o.create && !o.createNew) throw new Deno.errors.NotFound(`no such file: ${path}`);
      this.#parent(p);
      node = new SimInode();
      this.#names.set(p, node);
    }
    if (o.truncate) node.truncate(0);
    return Promise.resolve(new SimFile(this.#power, node, o.append === true));
  }

  readFile(path: string): Promise<Uint8Array> {
    return Promise.resolve(this.#inode(path).data.slice());
  }

  async writeFile(path: string, data: Uint8Array): Promise<void> {
    const f = await this.open(path, { write: true, create: true, truncate: true });
    await f.write(data);
    f.close();
  }

  async *readDir(path: string): AsyncIterable<LayerDirEntry> {
    this.#power.alive();
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
    this.#power.alive();
    let p = norm(path);
    while (p !== "/" && !this.#dirs.has(p)) {
      this.#dirs.add(p);
      p = parentOf(p);
    }
    return Promise.resolve();
  }

  remove(path: string): Promise<void> {
    this.#inode(path);
    this.#names.delete(norm(path));
    return Promise.resolve();
  }

  rename(from: string, to: string): Promise<void> {
    const node = this.#inode(from);
    this.#parent(norm(to));
    this.#names.delete(norm(from));
    this.#names.set(norm(to), node);
    return Promise.resolve();
  }

  stat(path: string): Promise<{ size: number; isFile: boolean; isDirectory: boolean }> {
    this.#power.alive();
    const p = norm(path);
    if (this.#dirs.has(p)) return Promise.resolve({ size: 0, isFile: false, isDirectory: true });
    return Promise.resolve({ size: this.#inode(p).data.length, isFile: true, isDirectory: false });
  }

  /** Makes the names in `path` durable as they are now. */
  syncDir(path: string): Promise<void> {
    this.#power.syncPoint();
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
    const images = new Map<SimInode, SimInode>();
    for (const [path, node] of this.#durableNames) {
      let image = images.get(node);
      if (!image) {
        image = new SimInode(node.writtenBack(this.#random));
        images.set(node, image);
      }
      next.#names.set(path, image);
      next.#durableNames.set(path, image);
    }
    return next;
  }

  #parent(p: string): void {
    if (!this.#dirs.has(parentOf(p))) throw new Deno.errors.NotFound(`no such directory: ${p}`);
  }
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

/**
 * A file of a {@linkcode SimDisk}: its bytes as the page cache holds them,
 * its durable bytes, and the writes in between, which only `syncData` makes
 * durable; an open file reads and writes it at a position.
 *
 * @module
 */
import type { LayerFile } from "./file_layer.ts";
import { PowerCut, type SimPower } from "./sim_power.ts";

type Op = { kind: "write"; at: number; bytes: Uint8Array } | { kind: "truncate"; len: number };

/** One file's bytes on a simulated disk, as cached and as durable. */
export class SimInode {
  /** The bytes as the page cache holds them (what reads see). */
  data: Uint8Array;
  /** The bytes as the last sync left them on the disk. */
  durable: Uint8Array;
  /** Writes since the last sync, in order. */
  #pending: Op[] = [];

  /**
   * A file whose bytes are all durable.
   *
   * @param data its bytes, cached and durable
   */
  constructor(data: Uint8Array = new Uint8Array(0)) {
    this.data = data;
    this.durable = data;
  }

  /** Writes `bytes` at `at` into the page cache, growing the file as needed. */
  write(at: number, bytes: Uint8Array): void {
    this.data = writeAt(this.data, at, bytes);
    this.#pending.push({ kind: "write", at, bytes: bytes.slice() });
  }

  /** Cuts or zero-extends the cached bytes to `len`. */
  truncate(len: number): void {
    this.data = resize(this.data, len);
    this.#pending.push({ kind: "truncate", len });
  }

  /** Makes the cached bytes durable. */
  sync(): void {
    this.durable = this.data.slice();
    this.#pending = [];
  }

  /**
   * The bytes a power cut leaves: the durable ones plus a prefix of the
   * writes since, of a length `random` picks, the last possibly torn.
   *
   * @param random a number in [0, 1) per call
   */
  writtenBack(random: () => number): Uint8Array {
    let bytes = this.durable;
    const n = Math.floor(random() * (this.#pending.length + 1));
    for (let i = 0; i < n; i++) {
      const op = this.#pending[i];
      if (op.kind === "truncate") bytes = resize(bytes, op.len);
      else {
        const torn = i === n - 1 && random() < 0.5;
        const part = torn ? op.bytes.subarray(0, Math.floor(random() * op.bytes.length)) : op.bytes;
        bytes = writeAt(bytes, op.at, part);
      }
    }
    return bytes;
  }
}

/** An open file of a {@linkcode SimDisk}. */
export class SimFile implements LayerFile {
  #power: SimPower;
  #node: SimInode;
  #append: boolean;
  #pos = 0;

  /**
   * Opens `node` at position 0.
   *
   * @param power the disk's power: a sync is a sync point, nothing works once it is off
   * @param append whether every write goes to the end
   */
  constructor(power: SimPower, node: SimInode, append: boolean) {
    this.#power = power;
    this.#node = node;
    this.#append = append;
  }

  /** Writes all of `p` at the position (the end when appending). @throws {PowerCut} */
  writeSync(p: Uint8Array): number {
    if (this.#power.dead) throw new PowerCut(0);
    const at = this.#append ? this.#node.data.length : this.#pos;
    this.#node.write(at, p);
    this.#pos = at + p.length;
    return p.length;
  }

  /** As {@linkcode writeSync}, rejecting instead of throwing. */
  write(p: Uint8Array): Promise<number> {
    try {
      return Promise.resolve(this.writeSync(p));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Reads from the position; null at the end. */
  read(p: Uint8Array): Promise<number | null> {
    if (this.#power.dead) return Promise.reject(new PowerCut(0));
    const data = this.#node.data;
    if (this.#pos >= data.length) return Promise.resolve(null);
    const n = Math.min(p.length, data.length - this.#pos);
    p.set(data.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return Promise.resolve(n);
  }

  /** Moves the position. */
  seek(offset: number, whence: Deno.SeekMode): Promise<number> {
    const base = whence === Deno.SeekMode.Start
      ? 0
      : whence === Deno.SeekMode.Current
      ? this.#pos
      : this.#node.data.length;
    this.#pos = base + offset;
    return Promise.resolve(this.#pos);
  }

  /** Cuts or zero-extends the file to `len`. */
  truncate(len = 0): Promise<void> {
    if (this.#power.dead) return Promise.reject(new PowerCut(0));
    this.#node.truncate(len);
    return Promise.resolve();
  }

  /** A sync point; when it passes, the file's bytes are durable. */
  syncData(): Promise<void> {
    try {
      this.#power.syncPoint();
    } catch (e) {
      return Promise.reject(e);
    }
    this.#node.sync();
    return Promise.resolve();
  }

  /** The file's size as the page cache holds it. */
  stat(): Promise<{ size: number }> {
    return Promise.resolve({ size: this.#node.data.length });
  }

  /** Nothing to release. */
  close(): void {}
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

/**
 * Rows of a CSV file that may still be growing: read once to its end, or
 * followed like `tail -F` (new lines as they are appended; a rotated file is
 * finished, then the new one read from its start; a truncated file is read
 * again from its start). A row is produced only once its newline is there;
 * an unterminated last line only once its file is done (see
 * {@linkcode lastLineDone}). Every row carries its {@linkcode RowPosition},
 * so a run can record where it stopped and a later one resume there. The
 * options and the values a reader takes and reports are in
 * `file_rows_options.ts`.
 *
 * @module
 */
import { type CsvRow, CsvRowDecoder } from "./csv_rows.ts";
import { DEFAULT_MAX_RECORD_CHARS } from "./csv_parser.ts";
import {
  DEFAULT_POLL_MS,
  type FileEvent,
  type FileRowsOptions,
  type ResumePoint,
} from "./file_rows_options.ts";
import { followStep, lastLineDone } from "./follow_step.ts";

const LF = 0x0a;
const CHUNK_BYTES = 65_536;

/**
 * Reads the rows of `path`, following it with `follow`. Returns when the
 * file is done (without `follow`) or the signal aborts.
 *
 * @throws {Deno.errors.NotFound} and other file errors; {@linkcode CsvRowError} in strict mode
 *
 * @example
 * ```ts
 * for await (const row of fileRows("/var/log/dcgm.csv", { follow: true, signal })) {
 *   console.log(row.line, row.at?.end);
 * }
 * ```
 */
export async function* fileRows(
  path: string,
  options: FileRowsOptions = {},
): AsyncGenerator<CsvRow, void, undefined> {
  const reader = await FileRowReader.open(path, options);
  try {
    yield* reader.rows();
  } finally {
    reader.close();
  }
}

/** The state of one read: the open file, bytes after its last newline, the decoder. */
class FileRowReader {
  readonly #path: string;
  readonly #o: FileRowsOptions;
  readonly #max: number;
  readonly #buf = new Uint8Array(CHUNK_BYTES);
  readonly #text = new TextDecoder("utf-8");
  #file: Deno.FsFile;
  #ino: number;
  #offset = 0;
  #pending: Uint8Array = new Uint8Array(0);
  /** Discarding a line over the record limit, up to its newline. */
  #skipping = false;
  #decoder: CsvRowDecoder;

  private constructor(path: string, o: FileRowsOptions, file: Deno.FsFile, ino: number) {
    this.#path = path;
    this.#o = o;
    this.#max = o.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
    this.#file = file;
    this.#ino = ino;
    this.#decoder = this.#newDecoder();
  }

  static async open(path: string, o: FileRowsOptions): Promise<FileRowReader> {
    const file = await Deno.open(path, { read: true });
    const info = await file.stat();
    const reader = new FileRowReader(path, o, file, info.ino ?? 0);
    if (o.resume) await reader.#resume(o.resume, info.size);
    return reader;
  }

  close(): void {
    try {
      this.#file.close();
    } catch {
      // already closed
    }
  }

  #newDecoder(): CsvRowDecoder {
    return new CsvRowDecoder({ ...this.#o, sourceName: this.#o.sourceName ?? this.#path });
  }

  async #resume(at: ResumePoint, size: number): Promise<void> {
    const say = (kind: FileEvent["kind"], message: string) => this.#o.onEvent?.({ kind, message });
    if (at.ino !== this.#ino) {
      say(
        "start_over",
        `${this.#path} is another file now (inode ${this.#ino}, was ${at.ino}): starting over from its start`,
      );
      return;
    }
    if (size < at.offset) {
      say(
        "start_over",
        `${this.#path} is shorter (${size} bytes) than where the last run stopped (${at.offset}): starting over from its start`,
      );
      return;
    }
    // The header first, then straight to the resume point.
    while (!this.#decoder.hasHeader) {
      const n = await this.#file.read(this.#buf);
      if (n === null) break;
      this.#offset += n;
      this.#consume(this.#buf.subarray(0, n), true);
    }
    await this.#file.seek(at.offset, Deno.SeekMode.Start);
    this.#offset = at.offset;
    this.#pending = new Uint8Array(0);
    this.#skipping = false;
    this.#decoder.resumeAt(at.line);
    say("resumed", `resuming ${this.#path} at byte ${at.offset} (line ${at.line})`);
  }

  async *rows(): AsyncGenerator<CsvRow, void, undefined> {
    const signal = this.#o.signal;
    while (!signal?.aborted) {
      const n = await this.#file.read(this.#buf);
      if (n !== null && n > 0) {
        this.#offset += n;
        yield* this.#consume(this.#buf.subarray(0, n), false);
        continue;
      }
      const step = await this.#atEnd();
      if (step === "done") return;
      if (step === "tail") {
        yield* this.#finishTail();
        if (!this.#o.follow) return;
        await this.#reopen();
      } else if (step === "wait") {
        this.#o.onIdle?.();
        await sleep(this.#o.pollMs ?? DEFAULT_POLL_MS, signal);
      }
    }
  }

  /** At the end of the open file: what next? */
  async #atEnd(): Promise<"read" | "wait" | "tail" | "done"> {
    const info = await this.#file.stat();
    const open = { ino: this.#ino, offset: this.#offset, size: info.size };
    const tailDone = () =>
      this.#pending.length === 0 || lastLineDone(open, info.mtime?.getTime() ?? null, Date.now());
    if (!this.#o.follow) {
      if (info.size > this.#offset) return "read";
      if (this.#pending.length === 0) {
        this.#decoder.finish();
        return "done";
      }
      return tailDone() ? "tail" : "wait";
    }
    const atPath = await Deno.stat(this.#path).then((s) => ({ ino: s.ino ?? 0 }), () => null);
    const step = followStep(open, atPath);
    if (step === "truncated") {
      this.#o.onEvent?.({
        kind: "truncated",
        message:
          `${this.#path} was truncated to ${info.size} bytes (had read ${this.#offset}): reading it again from its start`,
      });
      await this.#file.seek(0, Deno.SeekMode.Start);
      this.#restart(this.#ino);
      return "read";
    }
    if (step === "rotated") return tailDone() ? "tail" : "wait";
    return step;
  }

  /** The rest of a done file: its unterminated last line, if any. */
  *#finishTail(): Generator<CsvRow> {
    const rows = this.#decoder.push(this.#text.decode(this.#pending));
    for (const row of this.#decoder.finish()) rows.push(row);
    this.#pending = new Uint8Array(0);
    for (const row of rows) {
      row.at = { ino: this.#ino, end: this.#offset, nextLine: this.#decoder.line };
      yield row;
    }
  }

  /** After a rotation: the new file at the path, from its start. */
  async #reopen(): Promise<void> {
    const file = await Deno.open(this.#path, { read: true });
    const ino = (await file.stat()).ino ?? 0;
    this.#o.onEvent?.({
      kind: "rotated",
      message:
        `${this.#path} was rotated: finished the old file (inode ${this.#ino}) at byte ${this.#offset}; reading the new one (inode ${ino}) from its start`,
    });
    this.close();
    this.#file = file;
    this.#restart(ino);
  }

  #restart(ino: number): void {
    this.#ino = ino;
    this.#offset = 0;
    this.#pending = new Uint8Array(0);
    this.#skipping = false;
    this.#decoder = this.#newDecoder();
  }

  /**
   * Feeds the complete lines of `bytes` (after what is pending) to the
   * decoder, one line at a time, so each row's end is known; keeps the
   * unterminated rest. With `headerOnly`, stops after the header.
   */
  #consume(bytes: Uint8Array, headerOnly: boolean): CsvRow[] {
    const out: CsvRow[] = [];
    if (this.#skipping) {
      const lf = bytes.indexOf(LF);
      if (lf === -1) return out;
      this.#decoder.push("\n"); // ends the skipped record's line
      this.#skipping = false;
      bytes = bytes.subarray(lf + 1);
    }
    const chunk = this.#pending.length === 0 ? bytes : concat(this.#pending, bytes);
    const base = this.#offset - chunk.length; // file offset of chunk[0]
    const last = chunk.lastIndexOf(LF);
    // Decoded once; the k-th "\n" of the text is the k-th LF byte (UTF-8
    // never hides an LF inside a character, and a bad byte never eats one).
    const text = last === -1 ? "" : this.#text.decode(chunk.subarray(0, last + 1));
    let start = 0;
    let from = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, start)) {
      const nl = text.indexOf("\n", from);
      const rows = this.#decoder.push(text.slice(from, nl + 1));
      from = nl + 1;
      start = lf + 1;
      for (const row of rows) {
        row.at = { ino: this.#ino, end: base + start, nextLine: this.#decoder.line };
        out.push(row);
      }
      if (headerOnly && this.#decoder.hasHeader) return out;
    }
    this.#pending = chunk.slice(start);
    if (this.#pending.length > this.#max) {
      // A line longer than any record may be: the decoder reports it, the
      // rest of the line is dropped as it arrives.
      this.#decoder.skipRecord();
      this.#pending = new Uint8Array(0);
      this.#skipping = true;
    }
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

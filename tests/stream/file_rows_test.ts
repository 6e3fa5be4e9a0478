import assert from "node:assert/strict";
import { join } from "node:path";
import type { CsvRow } from "../../src/stream/csv_rows.ts";
import { fileRows } from "../../src/stream/file_rows.ts";
import type { FileEvent, FileRowsOptions } from "../../src/stream/file_rows_options.ts";

/** Reads `path` in the background, collecting rows, bad rows and events. */
function follow(path: string, options: FileRowsOptions = {}) {
  const stop = new AbortController();
  const rows: CsvRow[] = [];
  const events: FileEvent[] = [];
  const bad: number[] = [];
  const done = (async () => {
    for await (
      const row of fileRows(path, {
        follow: true,
        pollMs: 10,
        signal: stop.signal,
        onEvent: (e) => events.push(e),
        onBadRow: (b) => bad.push(b.line),
        ...options,
      })
    ) rows.push(row);
  })();
  return {
    rows,
    events,
    bad,
    values: () => rows.map((r) => r.fields.v),
    async until(what: string, check: () => boolean) {
      const deadline = Date.now() + 10_000;
      while (!check()) {
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${what}: ${this.values()}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async [Symbol.asyncDispose]() {
      stop.abort();
      await done;
    },
  };
}

async function tempDir() {
  const dir = await Deno.makeTempDir({ prefix: "gputel-file-rows-" });
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

const append = (path: string, text: string) => Deno.writeTextFile(path, text, { append: true });

Deno.test("fileRows --follow produces a line only once its newline is there", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "m.csv");
  await Deno.writeTextFile(path, "uuid,v\nA,1\nA,10");
  await using f = follow(path);
  await f.until("row 1", () => f.rows.length === 1);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(f.values(), [1], "the torn line 3 is not a row");
  await append(path, "0.");
  await new Promise((r) => setTimeout(r, 50));
  await append(path, "25\nA,");
  await f.until("row 2", () => f.rows.length === 2);
  await append(path, "3\n");
  await f.until("row 3", () => f.rows.length === 3);
  assert.deepEqual(f.values(), [1, 100.25, 3]);
  assert.deepEqual(f.rows.map((r) => [r.line, r.at!.end, r.at!.nextLine]), [
    [2, 11, 3],
    [3, 20, 4],
    [4, 24, 5],
  ]);
});

Deno.test("fileRows --follow finishes a rotated file, then reads the new one from its start", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "m.csv");
  await Deno.writeTextFile(path, "uuid,v\nA,1\n");
  await using f = follow(path);
  await f.until("row 1", () => f.rows.length === 1);
  const old = await Deno.open(path, { append: true });
  await Deno.rename(path, `${path}.1`);
  // The writer still appends to the renamed file before it reopens the path.
  await old.write(new TextEncoder().encode("A,2\n"));
  old.close();
  await Deno.writeTextFile(path, "uuid,v\nB,3\n");
  await f.until("rows 2 and 3", () => f.rows.length === 3);
  assert.deepEqual(f.values(), [1, 2, 3]);
  assert.deepEqual(f.events.map((e) => e.kind), ["rotated"]);
  assert.match(
    f.events[0].message,
    /was rotated: finished the old file .* at byte 15; reading the new one/,
  );
  assert.deepEqual(f.rows.map((r) => r.line), [2, 3, 2]);
});

Deno.test("fileRows --follow reads a truncated file again from its start", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "m.csv");
  await Deno.writeTextFile(path, "uuid,v\nA,1\nA,2\n");
  await using f = follow(path);
  await f.until("2 rows", () => f.rows.length === 2);
  await Deno.truncate(path, 0);
  await f.until("truncation seen", () => f.events.length === 1);
  await append(path, "uuid,v\nC,7\n");
  await f.until("row 3", () => f.rows.length === 3);
  assert.deepEqual(f.values(), [1, 2, 7]);
  assert.match(f.events[0].message, /was truncated to 0 bytes \(had read 15\): reading it again/);
});

Deno.test("fileRows without --follow publishes an unterminated last line only once the file is quiet", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "m.csv");
  await Deno.writeTextFile(path, "uuid,v\nA,1\nA,10");
  const rows: CsvRow[] = [];
  const started = Date.now();
  const read = (async () => {
    for await (const row of fileRows(path, { pollMs: 10 })) rows.push(row);
  })();
  await new Promise((r) => setTimeout(r, 300));
  await append(path, "0.25"); // the writer completes its value within the quiet time
  await read;
  assert.deepEqual(rows.map((r) => r.fields.v), [1, 100.25]);
  assert.ok(Date.now() - started >= 1_000, "waited for the file to be quiet");
  assert.equal(rows[1].at!.end, 19);
});

Deno.test("fileRows resumes after a row's position, and starts over on another or a shorter file", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "m.csv");
  await Deno.writeTextFile(path, "uuid,v\nA,1\n\nA,2\nA,3\n");
  const all: CsvRow[] = [];
  for await (const row of fileRows(path)) all.push(row);
  const at = all[0].at!;
  const resume = { ino: at.ino, offset: at.end, line: at.nextLine };
  const events: FileEvent[] = [];
  const rest: CsvRow[] = [];
  for await (const row of fileRows(path, { resume, onEvent: (e) => events.push(e) })) {
    rest.push(row);
  }
  assert.deepEqual(rest, all.slice(1));
  assert.deepEqual(rest.map((r) => r.line), [4, 5]);
  assert.match(events[0].message, /resuming .*m\.csv at byte 11 \(line 3\)/);

  const again = async (point: typeof resume) => {
    const seen: FileEvent[] = [];
    const rows: CsvRow[] = [];
    for await (const row of fileRows(path, { resume: point, onEvent: (e) => seen.push(e) })) {
      rows.push(row);
    }
    return { rows: rows.length, message: seen[0].message };
  };
  const other = await again({ ...resume, ino: resume.ino + 1 });
  assert.equal(other.rows, 3);
  assert.match(other.message, /is another file now .*: starting over from its start/);
  const shorter = await again({ ...resume, offset: 1_000 });
  assert.equal(shorter.rows, 3);
  assert.match(shorter.message, /is shorter \(20 bytes\) than where the last run stopped \(1000\)/);
});

Deno.test("fileRows skips a line over the record limit as it arrives and reads the next row", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "m.csv");
  await Deno.writeTextFile(path, "uuid,v\nA,1\nA,");
  await using f = follow(path, { maxRecordChars: 1024 });
  await f.until("row 1", () => f.rows.length === 1);
  for (let i = 0; i < 4; i++) await append(path, "9".repeat(700));
  await f.until("the long line reported", () => f.bad.length === 1);
  await append(path, "9\nA,2\n");
  await f.until("row 2", () => f.rows.length === 2);
  assert.deepEqual(f.values(), [1, 2]);
  assert.deepEqual(f.bad, [3]);
  assert.equal(f.rows[1].line, 4);
});

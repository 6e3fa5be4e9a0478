/**
 * `gputel stream --follow` on a file a writer appends to in pieces, rotates
 * and truncates, into a real `broker,collect`: every complete row stored
 * once, the torn one only once completed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Gputel, startAllInOne, waitUntil } from "./_harness.ts";
import { storedRecords, storedSeqCounts } from "./_stored.ts";

const HEADER = "uuid,seq,value\n";
const row = (seq: number) => `GPU-${seq % 4},${seq},${seq * 2}\n`;
const rows = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => row(from + i)).join("");
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("stream --follow stores every complete row of a growing, rotated and truncated file once, and the torn line only when completed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-follow-" });
  const server = await startAllInOne(join(dir, "data"));
  const path = join(dir, "dcgm.csv");
  await Deno.writeTextFile(path, HEADER + rows(1, 50));
  const streamer = new Gputel([
    ...["stream", "--follow", "--csv", path, "--broker", `127.0.0.1:${server.port}`],
    ...["--rate", "0"],
  ]);
  const append = (text: string, file = path) => Deno.writeTextFile(file, text, { append: true });
  const stored = async (n: number) => {
    await waitUntil(`${n} rows stored`, async () => {
      const seqs = await storedSeqCounts(server.api);
      return seqs.size >= n;
    });
  };
  try {
    await stored(50);
    // A writer pausing mid-line: nothing of line 52 is published.
    await append("GPU-1,51,10");
    await pause(1_500);
    assert.equal((await storedSeqCounts(server.api)).has(51), false, "torn line published");
    await append("0.25\n");
    await stored(51);
    // Appends in pieces, cut anywhere.
    const text = rows(52, 60);
    for (let at = 0; at < text.length; at += 17) {
      await append(text.slice(at, at + 17));
      await pause(20);
    }
    await stored(60);
    // Rotation: the writer renames the file, writes a little more to the
    // old one, then starts a new file at the path.
    const old = await Deno.open(path, { append: true });
    await Deno.rename(path, `${path}.1`);
    await old.write(new TextEncoder().encode(rows(61, 65)));
    old.close();
    await Deno.writeTextFile(path, HEADER + rows(66, 80));
    await stored(80);
    // Truncation (copytruncate): the file is emptied, then written again.
    await Deno.truncate(path, 0);
    await waitUntil(
      "the truncation noticed",
      () => /was truncated to 0 bytes/.test(streamer.output),
    );
    await append(HEADER + rows(81, 90));
    await stored(90);

    streamer.kill("SIGTERM");
    const { code, output } = await streamer.wait();
    assert.equal(code, 0, output);
    assert.match(output, /was rotated: finished the old file/);
    const seqs = await storedSeqCounts(server.api);
    assert.deepEqual(
      [...seqs.entries()].sort((a, b) => a[0] - b[0]),
      Array.from({ length: 90 }, (_, i) => [i + 1, 1]),
    );
    const torn = (await storedRecords(server.api)).find((r) => r.metrics.seq === 51);
    assert.equal(torn?.metrics.value, 100.25);
  } finally {
    await streamer[Symbol.asyncDispose]();
    await server.proc[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

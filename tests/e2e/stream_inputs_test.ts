/**
 * The streamer on the inputs real exports produce: an oversized record, a
 * row too wide for the collector, a header without a GPU key, a binary file,
 * a run of garbage, and --rate with --shard/--filter. Real processes: a
 * `broker,collect` and `gputel stream`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Gputel, ROOT, startAllInOne, waitUntil } from "./_harness.ts";
import { storedRecords, storedSeqCounts } from "./_stored.ts";

const SAMPLE = `${ROOT}data/sample.csv`;

function stream(broker: string, csv: string, ...flags: string[]) {
  return new Gputel(["stream", "--csv", csv, "--broker", broker, ...flags]).wait();
}

/** The counters of the `stream finished` line. */
function finished(output: string): Record<string, number> {
  const line = /stream finished (.*)/.exec(output)?.[1];
  assert.ok(line, output);
  return Object.fromEntries(line.split(" ").map((kv) => kv.split("=")).map(([k, v]) => [k, +v]));
}

Deno.test("stream skips what the collector cannot store, refuses what is not a keyed CSV, and rates only published messages", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-inputs-" });
  const server = await startAllInOne(join(dir, "data"));
  const broker = `127.0.0.1:${server.port}`;
  const file = (name: string, text: string | Uint8Array) => {
    const path = join(dir, name);
    if (typeof text === "string") Deno.writeTextFileSync(path, text);
    else Deno.writeFileSync(path, text);
    return path;
  };
  try {
    await t.step(
      "a record over --max-record-bytes is skipped with its line; the next row is sent",
      async () => {
        const big = "x".repeat(3 * 1024 * 1024);
        const csv = file("big.csv", `uuid,seq,note\nGPU-1,1,a\nGPU-1,2,${big}\nGPU-1,3,c\n`);
        const r = await stream(broker, csv, "--no-loop", "--rate", "0");
        assert.equal(r.code, 0, r.output.slice(-2000));
        assert.match(
          r.output,
          /skipping \S+big\.csv line 3: record is longer than --max-record-bytes 1048576/,
        );
        assert.deepEqual(
          { ...finished(r.output), rate: 0 },
          { read: 2, published: 2, confirmed: 2, retried: 0, skipped: 1, rate: 0 },
        );
        const strict = await stream(broker, csv, "--no-loop", "--rate", "0", "--strict");
        assert.equal(strict.code, 1);
        assert.match(strict.output, /big\.csv:3: record is too long .*--max-record-bytes/);
      },
    );

    await t.step(
      "rows wider than the collector takes are skipped and counted, none confirmed",
      async () => {
        const names = Array.from({ length: 1_100 }, (_, i) => `m${i}`);
        const row = (i: number) => [`GPU-w${i}`, ...names.map((_, j) => j)].join(",");
        const csv = file("wide.csv", `uuid,${names.join(",")}\n${[1, 2, 3].map(row).join("\n")}\n`);
        const r = await stream(broker, csv, "--no-loop", "--rate", "0");
        assert.equal(r.code, 0, r.output.slice(-2000));
        assert.equal(r.output.match(/message has 1101 fields; at most 1024 allowed/g)?.length, 3);
        assert.deepEqual(
          { ...finished(r.output), rate: 0 },
          { read: 3, published: 0, confirmed: 0, retried: 0, skipped: 3, rate: 0 },
        );
      },
    );

    await t.step("the collector stored exactly the rows the streamer confirmed", async () => {
      let seqs = new Map<number, number>();
      await waitUntil("rows 1 and 3 stored", async () => {
        seqs = await storedSeqCounts(server.api);
        return seqs.get(3) === 1;
      });
      const records = await storedRecords(server.api);
      assert.ok(records.every((r) => r.gpu_id === "GPU-1"), "no wide row stored");
      // The strict run stops at line 3; it may have sent row 1 once more first.
      assert.deepEqual([seqs.get(2), seqs.get(3)], [undefined, 1]);
      assert.equal(records.length, 1 + seqs.get(1)!);
    });

    await t.step(
      "a header without a GPU key column is a usage error naming the columns looked for",
      async () => {
        const csv = file("keyless.csv", "host,temperature\nh1,40\nh2,41\n");
        const r = await stream(broker, csv, "--no-loop");
        assert.equal(r.code, 2, r.output);
        assert.match(
          r.output,
          /keyless\.csv" has no GPU key column: looked for uuid, UUID, gpu_uuid, gpu_id \(use --key COLUMN/,
        );
        const keyed = await stream(broker, csv, "--no-loop", "--key", "nope");
        assert.equal(keyed.code, 2);
        assert.match(keyed.output, /has no column "nope" to key messages by \(--key\)/);
      },
    );

    await t.step("a binary file is a usage error: not a CSV", async () => {
      const bytes = new Uint8Array(10_000).map((_, i) => (i * 7919) % 251);
      const r = await stream(broker, file("garbage.bin", bytes), "--no-loop");
      assert.equal(r.code, 2, r.output);
      assert.match(r.output, /garbage\.bin" is not a CSV: byte 0 is NUL/);
    });

    await t.step(
      "more than --max-bad-rows bad rows in a row stop the stream with exit 1",
      async () => {
        const bad = Array.from({ length: 1_500 }, (_, i) => `junk${i}`).join("\n");
        const csv = file("junk.csv", `uuid,seq,value\nGPU-j,1,1\n${bad}\nGPU-j,2,2\n`);
        const r = await stream(broker, csv, "--no-loop", "--rate", "0", "--quiet");
        assert.equal(r.code, 1, r.output.slice(-500));
        assert.match(r.output, /more than 1000 bad rows in a row \(the last at line 1003\)/);
        const lenient = await stream(
          broker,
          csv,
          "--no-loop",
          "--rate",
          "0",
          "--max-bad-rows",
          "1500",
        );
        assert.equal(lenient.code, 0, lenient.output.slice(-500));
        assert.equal(finished(lenient.output).published, 2);
      },
    );

    for (const how of [["--shard", "1/10"], ["--filter", "Hostname=sim-dgx1-hgpu-002"]]) {
      await t.step(
        `${how.join(" ")} --rate 100 --workers 4 --duration 3s publishes 1,200 ± 2%`,
        async () => {
          const r = await stream(
            broker,
            SAMPLE,
            ...how,
            ...["--rate", "100", "--workers", "4", "--duration", "3s"],
          );
          assert.equal(r.code, 0, r.output.slice(-2000));
          const { published, skipped } = finished(r.output);
          assert.ok(Math.abs(published - 1_200) <= 24, `published ${published}`);
          assert.ok(skipped > 2 * published, `skipped ${skipped}`);
        },
      );
    }
  } finally {
    await server.proc[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

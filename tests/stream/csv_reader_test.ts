import assert from "node:assert/strict";
import { loadCsvRows, readCsvBatches, readCsvRows } from "../../src/stream/csv_reader.ts";
import type { CsvRow } from "../../src/stream/csv_rows.ts";
import type { BadRow } from "../../src/stream/csv_errors.ts";
import { DCGM_COLUMNS } from "../../src/stream/dcgm_generator.ts";
import { rejected } from "./_thrown.ts";
import { exportCases, withDir } from "../_helpers.ts";
import { collect, fixture, streamOf } from "./_csv_sources.ts";

Deno.test("readCsvRows returns a summary and readCsvBatches yields the same rows in batches", async () => {
  const rows = readCsvRows(fixture("ragged.csv"));
  let next = await rows.next();
  while (!next.done) next = await rows.next();
  assert.deepStrictEqual(next.value, { header: ["a", "b", "c"], rows: 2, badRows: 3 });

  const batches: CsvRow[][] = [];
  for await (const batch of readCsvBatches(fixture("quoted.csv"), { chunkBytes: 16 })) {
    assert.ok(batch.length > 0);
    batches.push(batch);
  }
  assert.ok(batches.length > 1);
  assert.deepStrictEqual(batches.flat(), await collect(fixture("quoted.csv")));
});

Deno.test("readCsvRows turns invalid UTF-8 into U+FFFD instead of failing", async () => {
  const bytes = new Uint8Array([...new TextEncoder().encode("a,b\nx"), 0xff, 0xfe, 0x2c, 0x31]);
  assert.deepStrictEqual(await collect(streamOf(bytes, 3)), [
    { line: 2, fields: { a: "x\uFFFD\uFFFD", b: 1 } },
  ]);
});

Deno.test("readCsvRows closes the file when the loop breaks early", async () => {
  // The test sanitizer fails this test if the file stays open.
  for await (const row of readCsvRows(fixture("wide.csv"), { chunkBytes: 8 })) {
    assert.strictEqual(row.line, 2);
    break;
  }
});

Deno.test("readCsvRows cancels a byte stream when the loop breaks early", async () => {
  let cancelled = false;
  const source = new ReadableStream<Uint8Array>({
    pull: (c) => c.enqueue(new TextEncoder().encode("a\n1\n")),
    cancel: () => {
      cancelled = true;
    },
  });
  for await (const _row of readCsvRows(source)) break;
  assert.strictEqual(cancelled, true);
});

Deno.test("readCsvRows stops with the signal's reason when aborted", async () => {
  const controller = new AbortController();
  const reason = new Error("stop");
  const rows: CsvRow[] = [];
  const err = await rejected(async () => {
    for await (
      const row of readCsvRows(fixture("wide.csv"), {
        chunkBytes: 4,
        signal: controller.signal,
      })
    ) {
      rows.push(row);
      controller.abort(reason);
    }
  }, Error);
  assert.strictEqual(err, reason);
  assert.strictEqual(rows.length, 1);
});

Deno.test("readCsvRows rejects a missing file with NotFound and a bad chunkBytes with RangeError", async () => {
  await rejected(() => collect("/nonexistent/gputel.csv"), Deno.errors.NotFound);
  const err = await rejected(() => collect(fixture("wide.csv"), { chunkBytes: 0 }), RangeError);
  assert.match(err.message, /chunkBytes/);
});

Deno.test("loadCsvRows returns every row, and refuses a file over maxRows", async () => {
  assert.deepStrictEqual(
    (await loadCsvRows(fixture("wide.csv"))).map((r) => r.fields.gpu_id),
    [0, 1, 2, 3],
  );
  assert.strictEqual((await loadCsvRows(fixture("wide.csv"), { maxRows: 4 })).length, 4);
  const err = await rejected(() => loadCsvRows(fixture("wide.csv"), { maxRows: 3 }), RangeError);
  assert.match(err.message, /maxRows=3/);
});

Deno.test("readCsvRows streams 250,000 DCGM rows (110 MB) under a 48 MB heap limit", async () => {
  const probe = new URL("./_bounded_memory_probe.ts", import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--v8-flags=--max-old-space-size=48", probe.pathname, "250000"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.strictEqual(code, 0, `probe failed: ${err}`);
  const result = JSON.parse(new TextDecoder().decode(stdout));
  assert.strictEqual(result.rows, 250_000);
  assert.ok(result.labelBytes > 250_000 * 200, `labels_raw bytes ${result.labelBytes}`);
});

for (const ex of exportCases()) {
  Deno.test(`readCsvRows reads all 2,470 rows of the ${ex.label} with no bad row`, () =>
    withDir(async (dir) => {
      const bad: BadRow[] = [];
      const rows = readCsvRows(await ex.file(dir), { onBadRow: (b) => bad.push(b) });
      const lines: number[] = [];
      let first: CsvRow | undefined;
      let next = await rows.next();
      while (!next.done) {
        first ??= next.value;
        lines.push(next.value.line);
        next = await rows.next();
      }
      assert.deepStrictEqual(next.value, { header: [...DCGM_COLUMNS], rows: 2470, badRows: 0 });
      assert.deepStrictEqual(bad, []);
      assert.deepStrictEqual(lines, Array.from({ length: 2470 }, (_, i) => i + 2));
      const { host, uuid } = ex.first;
      assert.deepStrictEqual(first, {
        line: 2,
        fields: {
          timestamp: "2025-07-18T20:42:34Z",
          metric_name: "DCGM_FI_DEV_GPU_UTIL",
          gpu_id: 0,
          device: "nvidia0",
          uuid,
          modelName: "NVIDIA H100 80GB HBM3",
          Hostname: host,
          value: 0,
          labels_raw: `DCGM_FI_DRIVER_VERSION="535.129.03",Hostname="${host}",` +
            `UUID="${uuid}",__name__="DCGM_FI_DEV_GPU_UTIL",` +
            `device="nvidia0",gpu="0",instance="${host}:9400",job="dgx_dcgm_exporter",` +
            'modelName="NVIDIA H100 80GB HBM3"',
        },
      });
    }));
}

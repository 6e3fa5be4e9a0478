import assert from "node:assert/strict";
import { csvStartProblem } from "../../src/stream/csv_inspect.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("csvStartProblem accepts a header with any GPU key column, or the --key column", () => {
  for (const key of ["uuid", "UUID", "gpu_uuid", "gpu_id"]) {
    assert.equal(csvStartProblem(bytes(`host,${key},value\n`)), undefined, key);
  }
  assert.equal(csvStartProblem(bytes(" host , temp\n"), "host"), undefined);
});

Deno.test("csvStartProblem names the columns it looked for when the header has no GPU key", () => {
  assert.equal(
    csvStartProblem(bytes("host,temperature\nh1,40\n")),
    "has no GPU key column: looked for uuid, UUID, gpu_uuid, gpu_id (use --key COLUMN to name one)",
  );
  assert.equal(
    csvStartProblem(bytes("host,temperature\n"), "node"),
    'has no column "node" to key messages by (--key); its columns: host, temperature',
  );
});

Deno.test("csvStartProblem calls a file with a NUL byte in its first 64 KiB not a CSV", () => {
  const head = bytes(`uuid,value\n${"GPU-1,1\n".repeat(100)}`);
  const withNul = new Uint8Array(head.length + 1);
  withNul.set(head);
  assert.equal(
    csvStartProblem(withNul),
    `is not a CSV: byte ${head.length} is NUL (a binary file?)`,
  );
});

Deno.test("csvStartProblem waits for a header line that is not complete yet", () => {
  assert.equal(csvStartProblem(bytes("")), undefined);
  assert.equal(csvStartProblem(bytes("host,temp")), undefined);
});

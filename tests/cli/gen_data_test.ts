import assert from "node:assert/strict";
import { type GenDataArgs, parseGenDataArgs, writeDcgmCsv } from "../../src/cli/gen_data.ts";
import { dcgmHeaderLine, dcgmLines } from "../../src/stream/dcgm_generator.ts";
import { loadCsvRows } from "../../src/stream/csv_reader.ts";
import { parseCsvText } from "../../src/stream/csv_rows.ts";
import { gpuKeyOf } from "../../src/record/columns.ts";

const SCRIPT = new URL("../../src/cli/gen_data.ts", import.meta.url).pathname;
const SAMPLE = new URL("../../data/sample.csv", import.meta.url);
/** The flags that wrote data/sample.csv (the first example in src/cli/gen_data.ts). */
const SAMPLE_ARGS = ["--rows", "1920", "--hosts", "4", "--seed", "1", "--out", "data/sample.csv"];

function parseError(args: string[]): string {
  try {
    parseGenDataArgs(args);
  } catch (err) {
    assert.ok(err instanceof RangeError);
    return err.message;
  }
  assert.fail(`no error for ${args.join(" ")}`);
}

/** Runs writeDcgmCsv into memory; returns the text and the number of writes. */
async function generate(args: GenDataArgs): Promise<{ text: string; writes: number }> {
  const chunks: Uint8Array[] = [];
  const writer = new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c) }).getWriter();
  await writeDcgmCsv(args, writer);
  await writer.close();
  const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  return { text, writes: chunks.length };
}

Deno.test("parseGenDataArgs reads every flag, in both --flag value and --flag=value forms", () => {
  assert.deepStrictEqual(
    parseGenDataArgs([
      "--rows",
      "10",
      "--out=x.csv",
      "--hosts=2",
      "--seed",
      "9",
      "--interval-ms",
      "15000",
    ]),
    { rows: 10, out: "x.csv", hosts: 2, seed: 9, intervalMs: 15000 },
  );
});

Deno.test("parseGenDataArgs reads --gpus and --metrics-per-second, and --gpus must fit the hosts", () => {
  assert.deepStrictEqual(
    parseGenDataArgs(["--rows=1", "--out=-", "--hosts=31", "--gpus=247", "--metrics-per-second=3"]),
    { rows: 1, out: "-", hosts: 31, gpus: 247, metricsPerSecond: 3, seed: 1, intervalMs: 1000 },
  );
  assert.strictEqual(
    parseError(["--rows=1", "--out=-", "--hosts=2", "--gpus=17"]),
    "--gpus 17 is more than --hosts 2 hold (8 GPUs each)",
  );
  assert.match(
    parseError(["--rows=1", "--out=-", "--metrics-per-second=0"]),
    /^--metrics-per-second must/,
  );
});

Deno.test("parseGenDataArgs fills defaults and accepts - for stdout", () => {
  assert.deepStrictEqual(parseGenDataArgs(["--out", "-", "--rows", "0"]), {
    rows: 0,
    out: "-",
    hosts: 4,
    seed: 1,
    intervalMs: 1000,
  });
  assert.strictEqual(parseGenDataArgs(["--help"]), "help");
});

Deno.test("parseGenDataArgs names the flag that is bad, unknown, repeated or missing", () => {
  assert.match(parseError(["--rows", "1", "--out", "f", "--bogus", "1"]), /^unknown flag --bogus/);
  assert.strictEqual(
    parseError(["--rows", "1"]),
    "--out is required (a file path, or - for stdout)",
  );
  assert.strictEqual(parseError(["--out", "f"]), "--rows is required (number of data rows)");
  assert.strictEqual(parseError(["--out", "f", "--rows"]), "--rows needs a value");
  assert.strictEqual(parseError(["--out", "f", "--rows", "--hosts", "2"]), "--rows needs a value");
  assert.strictEqual(parseError(["--out", "f", "--out", "g", "--rows", "1"]), "--out given twice");
  assert.strictEqual(
    parseError(["--out", "f", "--rows", "1e3"]),
    '--rows must be an integer in 0..9007199254740991, got "1e3"',
  );
  assert.strictEqual(
    parseError(["--out", "f", "--rows", "5", "--hosts", "0"]),
    '--hosts must be an integer in 1..999, got "0"',
  );
  assert.match(parseError(["--out", "f", "--rows", "5", "--seed", "-1"]), /^--seed must/);
  assert.match(parseError(["--out", "f", "--rows", "5", "--interval-ms=0"]), /^--interval-ms/);
});

Deno.test("writeDcgmCsv writes the header and exactly the generator's first N lines", async () => {
  const args = { rows: 25, out: "-", hosts: 1, seed: 3, intervalMs: 1000 };
  const lines = dcgmLines({ hosts: 1, seed: 3 });
  const expected = [dcgmHeaderLine(), ...Array.from({ length: 25 }, () => lines.next().value)];
  assert.strictEqual((await generate(args)).text, expected.join("\n") + "\n");
});

Deno.test("writeDcgmCsv writes in chunks instead of building the file in memory", async () => {
  const { text, writes } = await generate({
    rows: 5000,
    out: "-",
    hosts: 8,
    seed: 1,
    intervalMs: 1000,
  });
  assert.strictEqual(text.split("\n").length, 5002);
  assert.ok(writes >= 7, `only ${writes} writes for ${text.length} bytes`);
});

Deno.test("gen_data writes a file that reads back with no bad row", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/g.csv`;
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-read",
        "--allow-write",
        SCRIPT,
        "--rows",
        "800",
        "--hosts",
        "3",
        "--out",
        out,
      ],
    }).output();
    assert.strictEqual(code, 0);
    const rows = await loadCsvRows(out, { strict: true });
    assert.strictEqual(rows.length, 800);
    assert.strictEqual(new Set(rows.map((r) => gpuKeyOf(r.fields))).size, 24);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gen_data in the export's shape writes 247 GPUs on 31 hosts over 4 timestamps", async () => {
  const args = ["--rows", "2470", "--hosts", "31", "--gpus", "247", "--metrics-per-second", "3"];
  const { text } = await generate(parseGenDataArgs([...args, "--out", "-"]) as GenDataArgs);
  const rows = parseCsvText(text, { strict: true });
  assert.strictEqual(rows.length, 2470);
  const count = (key: string) => new Set(rows.map((r) => r.fields[key])).size;
  assert.deepStrictEqual([count("uuid"), count("Hostname"), count("timestamp")], [247, 31, 4]);
});

Deno.test("gen_data prints one line naming a bad flag and exits with status 2", async () => {
  const cases: [string[], string][] = [[["--rows", "x", "--out", "-"], "--rows"], [
    ["--nope"],
    "--nope",
  ]];
  for (const [args, flag] of cases) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--allow-read", "--allow-write", SCRIPT, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.strictEqual(code, 2);
    assert.strictEqual(stdout.length, 0);
    const lines = new TextDecoder().decode(stderr).trimEnd().split("\n");
    assert.strictEqual(lines.length, 1, lines.join("\n"));
    assert.ok(lines[0].startsWith("gen-data: ") && lines[0].includes(flag), lines[0]);
  }
});

Deno.test("data/sample.csv is under 1 MB and is what its documented command writes", async () => {
  const sample = await Deno.readFile(SAMPLE);
  assert.ok(sample.length < 1_000_000, `${sample.length} bytes`);
  const { text } = await generate(parseGenDataArgs(SAMPLE_ARGS) as GenDataArgs);
  assert.strictEqual(new TextDecoder().decode(sample), text);
  const rows = await loadCsvRows(SAMPLE, { strict: true });
  assert.strictEqual(rows.length, 1920);
  assert.strictEqual(new Set(rows.map((r) => gpuKeyOf(r.fields))).size, 32);
  assert.strictEqual(new Set(rows.map((r) => r.fields.timestamp)).size, 6);
});

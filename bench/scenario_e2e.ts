/**
 * End to end: a generated DCGM CSV streamed at `--rate 0` through broker and
 * collector into JSONL (two processes, so the roles use both cores), beside
 * the direct baseline.
 *
 * @module
 */
import { type BenchResult, round, skipped } from "./_result.ts";
import { freePort, onPath, Proc, ROOT, startNatsServer, waitForPort } from "./_procs.ts";

/** Generates a DCGM CSV of `rows` rows in `dir`. */
export async function generateCsv(dir: string, rows: number): Promise<string> {
  const out = `${dir}/dcgm.csv`;
  const gen = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "src/cli/gen_data.ts",
      "--rows",
      String(rows),
      "--hosts",
      "32",
      "--out",
      out,
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!gen.success) throw new Error("gen-data failed");
  return out;
}

async function storedLines(dir: string): Promise<number> {
  let n = 0;
  const walk = async (d: string): Promise<void> => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(`${d}/${e.name}`);
      else if (e.name.endsWith(".jsonl")) {
        const bytes = await Deno.readFile(`${d}/${e.name}`);
        for (const b of bytes) if (b === 10) n++;
      }
    }
  };
  await walk(dir).catch(() => {});
  return n;
}

async function storedRecords(apiPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/stats`);
  return (await res.json() as { records_total: number }).records_total;
}

/** CSV → broker → collector → JSONL rows/s, and the direct baseline; over JetStream too when `nats`. */
export async function benchPipeline(rows: number, nats = false): Promise<BenchResult[]> {
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-" });
  try {
    const csv = await generateCsv(dir, rows);
    const direct = Proc.deno("direct", `${ROOT}bench/direct.ts`, [
      "--csv",
      csv,
      "--dir",
      `${dir}/direct`,
    ]);
    const d = await direct.json<{ rows: number; start: number; end: number }>(600_000);
    await direct.finish();
    const directRate = d.rows / ((d.end - d.start) / 1000);
    const base = {
      scenario: `CSV → JSONL, ${rows} rows`,
      p50_ms: null,
      p99_ms: null,
      persisted: true,
      acked: true,
    };
    const row = (system: string, rate: number): BenchResult => ({
      ...base,
      system,
      msgs_per_s: Math.round(rate),
      mb_per_s: null,
      note: `${round(rate / directRate)}× the direct baseline`,
    });
    const out = [
      { ...row("direct (one process, no broker)", directRate), note: undefined },
      row("gputel stream → broker,collect", await pipelineRate(csv, `${dir}/pipe`, rows, false)),
    ];
    if (nats && await onPath("nats-server")) {
      const rate = await pipelineRate(csv, `${dir}/js`, rows, true);
      out.push(row("gputel stream → JetStream (file, R1) → collect", rate));
    } else if (nats) {
      out.push(skipped(base.scenario, "gputel over JetStream", "nats-server not on PATH"));
    }
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Streams `csv` at `--rate 0` into a collector through a gputel broker (one
 * `broker,collect` process) or a nats-server (`collect --broker nats://…`);
 * rows/s from the stream's start until the collector stored every row.
 */
async function pipelineRate(
  csv: string,
  dir: string,
  rows: number,
  nats: boolean,
): Promise<number> {
  const [port, admin, api] = [freePort(), freePort(), freePort()];
  const natsServer = nats ? await startNatsServer(`${dir}/nats`) : undefined;
  const broker = natsServer ? `nats://127.0.0.1:${natsServer.port}` : `127.0.0.1:${port}`;
  const common = ["--data-dir", dir, "--api-port", String(api), "--id", "bench"];
  const server = natsServer
    ? Proc.deno("collect", "main.ts", ["collect", "--broker", broker, ...common])
    : Proc.deno("broker,collect", "main.ts", [
      ...["broker,collect", "--port", String(port), "--admin-port", String(admin)],
      ...common,
    ]);
  try {
    await waitForPort(api);
    const started = performance.now();
    const stream = Proc.deno("stream", "main.ts", [
      ...["stream", "--csv", csv, "--broker", broker, "--rate", "0", "--no-loop", "--quiet"],
    ]);
    // Poll the collector's own counter: re-reading every JSONL file on each
    // poll cost this process up to a core near the end of a run, taken from
    // the two the pipeline runs on.
    const until = Date.now() + 600_000;
    while ((await storedRecords(api)) < rows && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    await stream.finish();
    await server.stop(); // a clean stop writes the last checkpoint
    const lines = await storedLines(`${dir}/bench`);
    if (lines !== rows) throw new Error(`pipeline stored ${lines} lines, not ${rows}`);
    return rows / seconds;
  } finally {
    await server.stop();
    await natsServer?.proc.stop();
  }
}

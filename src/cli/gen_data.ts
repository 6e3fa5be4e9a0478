/**
 * `deno task gen-data`: writes a synthetic CSV in the DCGM exporter's long
 * shape (see `src/stream/dcgm_generator.ts`). Streams its output, so any
 * number of rows fits in a few MB of memory.
 *
 * ```sh
 * deno task gen-data --rows 1920 --hosts 4 --seed 1 --out data/sample.csv  # the committed sample
 * deno task gen-data --rows 2000000 --hosts 32 --out /tmp/big.csv
 * deno task gen-data --rows 2470 --hosts 31 --gpus 247 --metrics-per-second 3 --out export.csv  # the real export's shape
 * ```
 *
 * Flags: `--rows N` (required, data rows after the header), `--out FILE`
 * (required, `-` for stdout), `--hosts H` (default 4, 8 GPUs each),
 * `--gpus G` (GPUs in all, default 8 × H), `--metrics-per-second M`
 * (timestamps advance within a round after every M metrics, default 10),
 * `--seed S` (default 1), `--interval-ms MS` between scrape rounds (default
 * 1000). A bad flag prints one line naming it and exits with status 2.
 *
 * @module
 */

import { dcgmHeaderLine, dcgmLines } from "../stream/dcgm_generator.ts";

/** Parsed `gen-data` flags. */
export interface GenDataArgs {
  /** Data rows to write after the header. */
  rows: number;
  /** Output path, or `-` for stdout. */
  out: string;
  /** Number of hosts, 8 GPUs each. */
  hosts: number;
  /** GPUs in all (the last host may have fewer); all of the hosts' when absent. */
  gpus?: number;
  /** Metrics per second of a scrape round (the timestamp advances after each this many); the generator's default when absent. */
  metricsPerSecond?: number;
  /** PRNG seed. */
  seed: number;
  /** Time between scrape rounds, ms. */
  intervalMs: number;
}

/** Usage line printed with `--help`. */
export const GEN_DATA_USAGE =
  "usage: gen_data.ts --rows N --out FILE|- [--hosts H=4] [--gpus G=8H] [--metrics-per-second M=10] [--seed S=1] [--interval-ms MS=1000]";

const INTEGER_FLAGS = {
  "--rows": { key: "rows", min: 0, max: Number.MAX_SAFE_INTEGER },
  "--hosts": { key: "hosts", min: 1, max: 999 },
  "--gpus": { key: "gpus", min: 1, max: 999 * 8 },
  "--metrics-per-second": { key: "metricsPerSecond", min: 1, max: 1000 },
  "--seed": { key: "seed", min: 0, max: 2 ** 32 - 1 },
  "--interval-ms": { key: "intervalMs", min: 1, max: 86_400_000 },
} as const;

/**
 * Parses the command line. Accepts `--flag value` and `--flag=value`.
 *
 * @param args the arguments after the script name
 * @returns the flags with defaults filled, or `"help"` for `--help`/`-h`
 * @throws {RangeError} naming the bad, unknown, repeated or missing flag
 */
export function parseGenDataArgs(args: readonly string[]): GenDataArgs | "help" {
  const seen = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return "help";
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!(flag in INTEGER_FLAGS) && flag !== "--out") {
      throw new RangeError(`unknown flag ${flag} (${GEN_DATA_USAGE})`);
    }
    if (seen.has(flag)) throw new RangeError(`${flag} given twice`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith("--")) value = args[++i];
    if (value === undefined || value === "") throw new RangeError(`${flag} needs a value`);
    seen.set(flag, value);
  }
  const out = seen.get("--out");
  if (out === undefined) throw new RangeError("--out is required (a file path, or - for stdout)");
  if (!seen.has("--rows")) throw new RangeError("--rows is required (number of data rows)");
  const result: GenDataArgs = { rows: 0, out, hosts: 4, seed: 1, intervalMs: 1000 };
  for (const [flag, spec] of Object.entries(INTEGER_FLAGS)) {
    const raw = seen.get(flag);
    if (raw === undefined) continue;
    const n = /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) {
      throw new RangeError(`${flag} must be an integer in ${spec.min}..${spec.max}, got "${raw}"`);
    }
    result[spec.key] = n;
  }
  if (result.gpus !== undefined && result.gpus > result.hosts * 8) {
    throw new RangeError(
      `--gpus ${result.gpus} is more than --hosts ${result.hosts} hold (8 GPUs each)`,
    );
  }
  return result;
}

/** Bytes gathered before each write. */
const WRITE_BYTES = 256 * 1024;

/**
 * Writes the header and `args.rows` generated rows to `writer`, in chunks of
 * about 256 KiB: memory stays flat whatever the row count.
 *
 * @param args parsed flags
 * @param writer where the bytes go (a file's or stdout's writable stream)
 */
export async function writeDcgmCsv(
  args: GenDataArgs,
  writer: WritableStreamDefaultWriter<Uint8Array>,
): Promise<void> {
  const encoder = new TextEncoder();
  const lines = dcgmLines({
    hosts: args.hosts,
    gpus: args.gpus,
    metricsPerSecond: args.metricsPerSecond,
    seed: args.seed,
    intervalMs: args.intervalMs,
  });
  let pending = dcgmHeaderLine() + "\n";
  for (let i = 0; i < args.rows; i++) {
    pending += lines.next().value + "\n";
    if (pending.length >= WRITE_BYTES) {
      await writer.write(encoder.encode(pending));
      pending = "";
    }
  }
  if (pending.length > 0) await writer.write(encoder.encode(pending));
}

async function main(args: readonly string[]): Promise<number> {
  let parsed: GenDataArgs | "help";
  try {
    parsed = parseGenDataArgs(args);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    console.error(`gen-data: ${err.message}`);
    return 2;
  }
  if (parsed === "help") {
    console.log(GEN_DATA_USAGE);
    return 0;
  }
  if (parsed.out === "-") {
    const writer = Deno.stdout.writable.getWriter();
    await writeDcgmCsv(parsed, writer);
    await writer.close();
    return 0;
  }
  const file = await Deno.open(parsed.out, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  await writeDcgmCsv(parsed, writer);
  await writer.close(); // closes the file too
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

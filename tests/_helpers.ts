/**
 * Helpers shared by the test suite and the benchmarks: temporary
 * directories, free ports, and the DCGM export files tests run on.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeDcgmCsv } from "../src/cli/gen_data.ts";
import { EXPORT_ROWS, EXPORT_SHAPE } from "../src/stream/dcgm_generator.ts";

/**
 * Runs `fn` with a fresh temporary directory and removes it afterwards,
 * whether `fn` passed or threw. With `sub`, `fn` gets the path `sub` inside
 * it (not created): a store's own directory under a data dir.
 */
export async function withDir(fn: (dir: string) => Promise<void>, sub?: string): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "gputel_test_" });
  try {
    await fn(sub === undefined ? root : join(root, sub));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/**
 * Polls `check` every `pollMs` until it returns true, or throws with `what`
 * once `timeoutMs` has passed: the one way tests wait for a condition.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  pollMs = 100,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Resolves with `p`, or rejects once `ms` have passed (a start that never returns fails, not hangs). */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  const late = Promise.withResolvers<never>();
  const id = setTimeout(() => late.reject(new Error(`${what} did not return within ${ms} ms`)), ms);
  try {
    return await Promise.race([p, late.promise]);
  } finally {
    clearTimeout(id);
  }
}

/** Whether a TCP connect to the loopback `port` is refused (nothing listens there now). */
export async function portRefused(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return false;
  } catch (error) {
    return error instanceof Deno.errors.ConnectionRefused;
  }
}

/**
 * A loopback TCP port that was free a moment ago (bound and released). A
 * server that can bind port 0 and report its port avoids the race this has.
 */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Takes the suite-wide lock of the heavy multi-process tests (the chaos run,
 * the 3-node JetStream cluster, the browser against 2,001 GPUs), so that
 * `deno test --parallel` on two cores never runs two of them at once and
 * starves one past its deadlines. Waits for the lock; release it by
 * disposing the handle.
 */
export async function heavyTestLock(): Promise<AsyncDisposable> {
  const file = await Deno.open(join(Deno.env.get("TMPDIR") ?? "/tmp", "gputel-heavy-tests.lock"), {
    create: true,
    write: true,
  });
  await file.lock(true);
  return {
    async [Symbol.asyncDispose]() {
      await file.unlock();
      file.close();
    },
  };
}

/**
 * The real DCGM export (2,470 rows, 247 GPUs on 31 hosts, 10 metrics over 4
 * timestamps), when this checkout has `../shared/data` beside it. It is never
 * copied into the repository; tests read it only as an extra case.
 */
export const REAL_EXPORT: string = fileURLToPath(
  new URL("../../shared/data/dcgm_metrics_sample.csv", import.meta.url),
);

/** Whether {@linkcode REAL_EXPORT} can be read here. */
export const HAS_REAL_EXPORT: boolean = (() => {
  try {
    return Deno.statSync(REAL_EXPORT).isFile;
  } catch {
    return false;
  }
})();

/**
 * Writes a file of the real export's shape to `path`, as `deno task gen-data
 * --rows 2470 --hosts 31 --gpus 247 --metrics-per-second 3 --interval-ms 10000`
 * does (a round spans 4 seconds of a 10-second scrape interval): 2,470 rows,
 * 247 GPUs on 31 hosts, 10 metrics over 4 timestamps (with `rows`, that many
 * rows of the same 247 GPUs, round after round). Returns `path`.
 */
export async function writeExportShaped(path: string, rows = EXPORT_ROWS): Promise<string> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  await writeDcgmCsv({
    rows,
    out: path,
    hosts: EXPORT_SHAPE.hosts!,
    gpus: EXPORT_SHAPE.gpus,
    metricsPerSecond: EXPORT_SHAPE.metricsPerSecond,
    seed: 1,
    intervalMs: 10_000,
  }, writer);
  await writer.close(); // closes the file too
  return path;
}

/** A DCGM export a test runs on. */
export interface ExportCase {
  /** Names the file in the test's name: "generated export" or "real export". */
  label: string;
  /** The file's path; the generated one is written into `dir` first. */
  file(dir: string): Promise<string>;
  /** The GPU of its first row (`gpu="0"`, `nvidia0`). */
  first: { uuid: string; host: string };
}

/** The generated export ({@linkcode writeExportShaped}), the case every checkout has. */
export const GENERATED_EXPORT: ExportCase = {
  label: "generated export",
  file: (dir) => writeExportShaped(join(dir, "export.csv")),
  first: { uuid: "GPU-a08ff49b-6f77-2632-716c-43069c43a8c3", host: "sim-dgx1-hgpu-001" },
};

const REAL_EXPORT_CASE: ExportCase = {
  label: "real export",
  file: () => Promise.resolve(REAL_EXPORT),
  first: { uuid: "GPU-5fd4f087-86f3-7a43-b711-4771313afc50", host: "mtv5-dgx1-hgpu-031" },
};

/**
 * The exports a test of the real export's shape runs on: the generated one
 * always (so a fresh clone skips nothing), the real one as well where present.
 */
export function exportCases(): ExportCase[] {
  return HAS_REAL_EXPORT ? [GENERATED_EXPORT, REAL_EXPORT_CASE] : [GENERATED_EXPORT];
}

/**
 * Runs `deno run --allow-all SCRIPT ARGS…` from the repository root once per case and asserts
 * each exits 2 with `NAME: WHY` followed by the `usage: deno task NAME` line on stderr.
 */
export async function assertUsageRefusals(
  script: string,
  name: string,
  cases: readonly (readonly [readonly string[], string])[],
): Promise<void> {
  const root = fileURLToPath(new URL("../", import.meta.url));
  for (const [args, why] of cases) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", script, ...args],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    if (out.code !== 2) throw new Error(`${script} ${args.join(" ")}: exit ${out.code}\n${stderr}`);
    if (!stderr.includes(`${name}: ${why}\nusage: deno task ${name}`)) {
      throw new Error(
        `${script} ${args.join(" ")}: stderr lacks "${name}: ${why}" + usage\n${stderr}`,
      );
    }
  }
}

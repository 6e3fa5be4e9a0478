/**
 * `deno task coverage [deno test args]`: runs the test suite with coverage,
 * counting the processes the tests spawn (the e2e tests' gputel roles, helper
 * scripts) as well as the test processes themselves. Prints the totals of the
 * test processes alone, then the table with the spawned processes, and
 * writes `coverage/lcov.info` and an HTML report in `coverage/html/`. Only
 * `main.ts` and `src/` are reported; the raw profiles are removed afterwards.
 * A process killed by SIGKILL writes no profile; every role a test stops with
 * SIGTERM does.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = join(ROOT, "coverage");
const TESTS = join(OUT, "raw", "tests");
const SPAWNED = join(OUT, "raw", "spawned");
const INCLUDE = `--include=^file://${ROOT}(main\\.ts$|src/)`;

async function deno(args: string[], env: Record<string, string> = {}): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args, cwd: ROOT, env }).spawn();
  return (await child.status).code;
}

/** The table's header and its "All files" line. */
async function totals(dirs: string[]): Promise<string> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["coverage", INCLUDE, ...dirs],
    cwd: ROOT,
    stderr: "inherit",
  }).output();
  const lines = new TextDecoder().decode(stdout).split("\n");
  return [...lines.slice(0, 2), ...lines.filter((l) => l.includes("All files"))].join("\n");
}

await Deno.remove(OUT, { recursive: true }).catch((e) => {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
});
await Deno.mkdir(SPAWNED, { recursive: true });
const tested = await deno([
  ...["test", "--allow-all", "--parallel", `--coverage=${TESTS}`, "--coverage-raw-data-only"],
  ...["--preload", join(ROOT, ".ci", "coverage_preload.ts"), ...Deno.args],
], { GPUTEL_SPAWNED_COVERAGE_DIR: SPAWNED });
console.log("\nCoverage of main.ts and src/ by the test processes alone:");
console.log(await totals([TESTS]));
console.log("\nWith the processes the tests spawn (gputel roles, helper scripts):");
await deno(["coverage", INCLUDE, TESTS, SPAWNED]);
await deno(["coverage", INCLUDE, "--lcov", `--output=${join(OUT, "lcov.info")}`, TESTS, SPAWNED]);
await deno(["coverage", INCLUDE, "--html", TESTS, SPAWNED]);
await Deno.rename(join(TESTS, "html"), join(OUT, "html"));
await Deno.remove(join(OUT, "raw"), { recursive: true }); // hundreds of MB of profiles
console.log(`lcov: ${join(OUT, "lcov.info")}; HTML: ${join(OUT, "html", "index.html")}`);
if (tested !== 0) console.error(`coverage: deno test exited ${tested}; what failed is missing`);
Deno.exit(tested);

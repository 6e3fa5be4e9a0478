/**
 * Loaded by `deno task coverage` into the test processes (`deno test
 * --preload`): every process a test spawns from here on (gputel roles,
 * helper scripts) writes its coverage profile to
 * `GPUTEL_SPAWNED_COVERAGE_DIR` instead of beside the test process's own, so
 * the report can count the suite with and without them.
 *
 * @module
 */
const spawned = Deno.env.get("GPUTEL_SPAWNED_COVERAGE_DIR");
if (spawned !== undefined) Deno.env.set("DENO_COVERAGE_DIR", spawned);

/**
 * Prints "N passed, N failed[, N skipped]" from a JUnit XML report written by
 * `deno test --junit-path`. Used by .ci/run.
 *
 * @module
 */
const xml = await Deno.readTextFile(Deno.args[0]);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
  const body = m[2] ?? "";
  if (/<(failure|error)\b/.test(body)) failed++;
  else if (/<skipped\b/.test(body)) skipped++;
  else passed++;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);

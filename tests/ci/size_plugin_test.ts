/**
 * The size plugin (.ci/lint/size_plugin.ts) run by real `deno lint` on
 * files written here: it must report a file or function one line over its
 * limit under `src/`, accept one at the limit, and leave tests alone.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withDir } from "../_helpers.ts";
import { MAX_FILE_LINES, MAX_FUNCTION_LINES } from "../../.ci/lint/size_plugin.ts";

const PLUGIN = fileURLToPath(new URL("../../.ci/lint/size_plugin.ts", import.meta.url));

/** A function spanning exactly `lines` lines. */
function fnOf(name: string, lines: number): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  console.log(${i});`);
  return [`export function ${name}(): void {`, ...body, "}"].join("\n") + "\n";
}

/** A file of exactly `lines` lines (of small functions). */
function fileOf(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `console.log(${i});`).join("\n") + "\n";
}

/** Runs deno lint with only the size rules; returns the rule codes it reported. */
async function sizeFindings(dir: string, files: Record<string, string>): Promise<string[]> {
  const config = {
    lint: {
      plugins: [PLUGIN],
      rules: { tags: [], include: ["size/max-file-lines", "size/max-function-lines"] },
    },
  };
  await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify(config));
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["lint", "--json", ...Object.keys(files)],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = JSON.parse(new TextDecoder().decode(out.stdout));
  return report.diagnostics.map((d: { code: string; filename: string }) =>
    `${d.code} ${d.filename.replace(/^file:\/\//, "").slice(dir.length + 1)}`
  ).sort();
}

Deno.test("size plugin: a file or function one line over the limit in src/ is reported", async () => {
  await withDir(async (dir) => {
    const found = await sizeFindings(dir, {
      "src/long_file.ts": fileOf(MAX_FILE_LINES + 1),
      "src/long_fn.ts": fnOf("f", MAX_FUNCTION_LINES + 1),
      "src/long_method.ts": `export class C {\n  m(): void {\n${
        Array.from({ length: MAX_FUNCTION_LINES }, () => "    console.log(1);").join("\n")
      }\n  }\n}\n`,
      "src/long_arrow.ts": fnOf("g", MAX_FUNCTION_LINES + 1)
        .replace("export function g(): void {", "export const g = (): void => {"),
    });
    assertEquals(found, [
      "size/max-file-lines src/long_file.ts",
      "size/max-function-lines src/long_arrow.ts",
      "size/max-function-lines src/long_fn.ts",
      "size/max-function-lines src/long_method.ts",
    ]);
  });
});

Deno.test("size plugin: at the limit, and outside src/, nothing is reported", async () => {
  await withDir(async (dir) => {
    const found = await sizeFindings(dir, {
      "src/file.ts": fileOf(MAX_FILE_LINES),
      "src/fn.ts": fnOf("f", MAX_FUNCTION_LINES),
      "tests/long_test.ts": fileOf(MAX_FILE_LINES + 50) + fnOf("h", MAX_FUNCTION_LINES + 20),
    });
    assertEquals(found, []);
  });
});

/**
 * Each option's default is written once, in the code: a JSDoc `@default`
 * tag under `src/` names the constant that holds it (`@default
 * {DEFAULT_MAX_BODY_BYTES}`), never a number written a second time
 * (`@default {16777216}`), which goes stale when the constant changes.
 * Every `DEFAULT_*` name a tag gives must be a constant exported in `src/`.
 * Strings and booleans (`{"info"}`, `{true}`) are not checked.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join, relative } from "node:path";
import { withDir } from "../_helpers.ts";

const SRC = new URL("../../src/", import.meta.url).pathname;
/** The value of a tag: `@default 4`, `@default {16_777_216}`, `@default {-1.5}`. */
const TAG = /@default\s+\{?\s*([^}\s]+)/g;
/** A JavaScript number literal, with separators, sign, exponent or base prefix. */
const NUMBER = /^[-+]?(?:0[xob][0-9a-f_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:e[-+]?\d+)?)n?$/i;
const EXPORTED = /^export const (DEFAULT_\w+)/gm;

/** Every `.ts` file under `dir`, recursively. */
async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await tsFiles(path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/** One `@default` tag: where it is and the value it writes. */
interface Tag {
  where: string;
  value: string;
}

/** The `@default` tags of the `.ts` files under `root`, as `file:line` relative to `root`'s parent. */
async function defaultTags(root: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  for (const file of await tsFiles(root)) {
    const lines = (await Deno.readTextFile(file)).split("\n");
    lines.forEach((line, i) => {
      for (const m of line.matchAll(TAG)) {
        tags.push({ where: `${relative(join(root, ".."), file)}:${i + 1}`, value: m[1] });
      }
    });
  }
  return tags;
}

/** The tags whose value is a number literal, as one line each naming file:line. */
async function literalDefaults(root: string): Promise<string[]> {
  return (await defaultTags(root)).filter((t) => NUMBER.test(t.value)).map((t) =>
    `${t.where}: @default ${t.value} writes the default a second time; ` +
    `name the DEFAULT_* constant that holds it (add one, exported, in the option's module)`
  );
}

Deno.test("no @default tag under src/ writes a number literal", async () => {
  assertEquals(await literalDefaults(SRC), []);
});

Deno.test("every DEFAULT_* a @default tag names is a constant exported in src/", async () => {
  const exported = new Set<string>();
  for (const file of await tsFiles(SRC)) {
    for (const m of (await Deno.readTextFile(file)).matchAll(EXPORTED)) exported.add(m[1]);
  }
  const unknown = (await defaultTags(SRC))
    .map((t) => ({ ...t, name: t.value.split(".")[0] }))
    .filter((t) => t.name.startsWith("DEFAULT_") && !exported.has(t.name))
    .map((t) => `${t.where}: @default {${t.value}} names no exported constant`);
  assertEquals(unknown, []);
});

Deno.test("a planted number literal @default is reported with its file:line", async () => {
  await withDir(async (dir) => {
    const root = join(dir, "src");
    await Deno.mkdir(join(root, "sub"), { recursive: true });
    await Deno.writeTextFile(
      join(root, "sub", "opts.ts"),
      [
        "export const DEFAULT_X = 3;",
        "/** A. @default {DEFAULT_X} */",
        "/** B. @default {16777216} */",
        '/** C. @default {"info"} */',
        "/**",
        " * D. @default 1_000 (one thousand)",
        " */",
        "/** E. @default {true} */",
        "/** F. @default {0} */",
      ].join("\n"),
    );
    const found = await literalDefaults(root);
    assertEquals(found.map((line) => line.split(": ")[0]), [
      "src/sub/opts.ts:3",
      "src/sub/opts.ts:6",
      "src/sub/opts.ts:9",
    ]);
    assertEquals(
      found[0].startsWith("src/sub/opts.ts:3: @default 16777216 writes the default"),
      true,
    );
  });
});

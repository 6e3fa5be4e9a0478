/**
 * The layering of `src/`, written down once: a module imports only from its
 * own layer or the layers below it, and no chain of imports comes back to
 * where it started (type-only imports included in both: a type-only cycle
 * is still two modules that cannot be read one without the other, and the
 * next value import along it makes it a runtime cycle). Imports are read
 * from the source text, comments left out: `import … from`, `export … from`,
 * `import "…"` and `import("…")`.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";

/** Lowest first; the folders (or files) of `src/` in each layer. */
export const LAYERS: readonly (readonly string[])[] = [
  ["clock.ts", "protocol", "net", "fs", "obs"], // codecs and I/O edges, no gputel vocabulary
  ["record"], // the stream ↔ collect contract
  ["broker", "client", "datadir"], // the broker and its clients; the collector's file formats
  ["stream", "query"], // rows → messages; the read side over stored records
  ["collect"], // the write side and the collector
  ["api"], // HTTP: the hono app, the api and federation roles
  ["roles"], // roles that compose several layers (collect + its HTTP API)
  ["cli"], // flags, env, help; runs the roles
];

const SRC = new URL("../src/", import.meta.url).pathname;
const STATEMENT = /^\s*(?:import|export)\s+(?:[^;]*?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/gm;
const DYNAMIC = /\bimport\s*\(\s*["'](\.{1,2}\/[^"']+)["']/g;
const COMMENT = /\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm;

function layerOf(path: string): number {
  const top = relative(SRC, path).split("/")[0];
  const layer = LAYERS.findIndex((names) => names.includes(top));
  if (layer < 0) throw new Error(`src/${top} is in no layer: add it to LAYERS`);
  return layer;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await sourceFiles(path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/** The modules a module's source text imports, type-only imports included. */
function importsOf(file: string, text: string): string[] {
  const code = text.replace(COMMENT, "");
  const at = (spec: string) => normalize(join(dirname(file), spec));
  return [
    ...[...code.matchAll(STATEMENT)].map((m) => at(m[1])),
    ...[...code.matchAll(DYNAMIC)].map((m) => at(m[1])),
  ];
}

/** Every module of `src/` → the modules of `src/` it imports. */
async function importGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const file of await sourceFiles(SRC)) {
    const imports = importsOf(file, await Deno.readTextFile(file));
    graph.set(file, imports.filter((target) => target.startsWith(SRC) && target.endsWith(".ts")));
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push(path.slice(path.indexOf(next)).concat(next));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found.map((cycle) => cycle.map((f) => relative(SRC, f)));
}

Deno.test("no module of src/ imports from a layer above its own", async () => {
  const upward: string[] = [];
  for (const [file, imports] of await importGraph()) {
    for (const target of imports) {
      if (layerOf(target) > layerOf(file)) {
        upward.push(`src/${relative(SRC, file)} → src/${relative(SRC, target)}`);
      }
    }
  }
  assertEquals(upward, []);
});

Deno.test("the imports of src/ have no cycle, type-only imports included", async () => {
  assertEquals(cycles(await importGraph()), []);
});

Deno.test("the layer check reads imports, sees an upward import and a cycle of type-only imports", () => {
  const a = join(SRC, "record/a.ts"), b = join(SRC, "cli/b.ts");
  assertEquals(layerOf(a) < layerOf(b), true);
  const text = [
    '/** @example import { x } from "./gone.ts"; */',
    'import { y } from "../cli/b.ts";',
    'import type { Z } from "./z.ts";',
    'import { type W } from "./w.ts";',
    'export { v } from "./v.ts";',
    'const m = await import("./m.ts");',
  ].join("\n");
  assertEquals(importsOf(a, text).map((target) => relative(SRC, target)), [
    "cli/b.ts",
    "record/z.ts",
    "record/w.ts",
    "record/v.ts",
    "record/m.ts",
  ]);
  const typeOnly = new Map([
    [a, importsOf(a, 'import type { B } from "../cli/b.ts";')],
    [b, importsOf(b, 'import {\n  type A,\n} from "../record/a.ts";')],
  ]);
  assertEquals(cycles(typeOnly), [["record/a.ts", "cli/b.ts", "record/a.ts"]]);
});

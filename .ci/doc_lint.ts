/**
 * `deno doc --lint` over every .ts file under src/, by file list: linting the
 * folder instead stops at the dashboard's import of an .html asset.
 *
 * Diagnostics located in the repository fail the run. Those located in a
 * dependency's declarations (hono, zod, nats: re-exported by the
 * `*_types.ts` modules so that our signatures name public types) are
 * counted and not ours to fix. Used by `deno task doc:lint`.
 *
 * @module
 */
const root = new URL("..", import.meta.url).pathname;

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...await tsFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

const files = (await tsFiles(`${root}src`)).sort();
const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--lint", ...files],
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "piped",
}).output();
const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);

// A diagnostic is a block that starts with "error[rule]: …" and names its
// location on a "--> path:line:col" line.
const blocks = text.replace(/\nerror: Found \d+ documentation lint errors[\s\S]*$/, "")
  .split(/\n(?=error\[)/).filter((b) => b.startsWith("error["));
const ours = blocks.filter((b) => /^\s*--> (\S+)/m.exec(b)?.[1].startsWith(root));
for (const block of ours) console.error(block.trimEnd() + "\n");
const theirs = blocks.length - ours.length;
const note = theirs ? ` (${theirs} in dependencies' declarations not counted)` : "";
if (ours.length > 0) {
  console.error(`doc lint: ${ours.length} errors in ${files.length} files${note}`);
  Deno.exit(1);
}
if (!success && blocks.length === 0) {
  // deno doc failed without diagnostics (a file it could not load): show why.
  console.error(text);
  Deno.exit(1);
}
console.log(`doc lint: ${files.length} files clean${note}`);

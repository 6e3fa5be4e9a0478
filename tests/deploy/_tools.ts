/**
 * Finding the external tools the deploy checks run (helm, systemd-analyze,
 * shellcheck), and running them.
 *
 * @module
 */

import { join } from "node:path";

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * The path of `name` on PATH, else under `~/go/bin` (where `go install` puts
 * helm), else `undefined`. When it is missing, logs one line saying which
 * tests are ignored and why, so a missing tool is never mistaken for a pass.
 */
export function findTool(name: string, neededFor: string): string | undefined {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter(Boolean);
  const home = Deno.env.get("HOME");
  if (home !== undefined) dirs.push(join(home, "go", "bin"));
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  console.warn(
    `IGNORED: ${neededFor}: ${name} is not on PATH or in ~/go/bin (.ci/install.sh installs it)`,
  );
  return undefined;
}

/** The outcome of {@linkcode runTool}. */
export interface ToolOutput {
  /** Exit code. */
  code: number;
  /** Standard output, decoded. */
  stdout: string;
  /** Standard error, decoded. */
  stderr: string;
}

/** Runs `tool` with `args` and returns its exit code and output. */
export async function runTool(
  tool: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ToolOutput> {
  const out = await new Deno.Command(tool, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/**
 * Splits a command line into words the way a shell or systemd would for
 * the plain lines the deploy files use: whitespace separates, and single or
 * double quotes group (no escapes, no expansion).
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3]);
  return words;
}

/**
 * Builds the fake NVML library of tests/fixtures/fake_nvml.c with the C
 * compiler, for the tests of `--source nvml`. Where no compiler exists, the
 * tests that need it are ignored (with {@linkcode NO_CC_REASON} in their name).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The fake library's source. */
export const FAKE_NVML_C = fileURLToPath(new URL("../../fixtures/fake_nvml.c", import.meta.url));

/** The C compiler: `$CC`, else gcc, else cc. */
export const CC: string | undefined = (() => {
  const candidates = [Deno.env.get("CC"), "gcc", "cc"].filter((c): c is string => !!c);
  for (const cc of candidates) {
    try {
      if (
        new Deno.Command(cc, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
          .success
      ) {
        return cc;
      }
    } catch {
      // not installed
    }
  }
  return undefined;
})();

/** Why the NVML tests are ignored, or "" when they run. */
export const NO_CC_REASON = CC === undefined
  ? " (IGNORED: no C compiler (gcc/cc) to build the fake libnvidia-ml.so)"
  : "";

/**
 * Compiles the fake library into `dir` as `libnvidia-ml.so.1`.
 *
 * @returns its path
 * @throws {Error} with the compiler's output when it fails
 */
export async function buildFakeNvml(dir: string): Promise<string> {
  if (CC === undefined) throw new Error("no C compiler");
  const out = join(dir, "libnvidia-ml.so.1");
  const r = await new Deno.Command(CC, {
    args: ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o", out, FAKE_NVML_C],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`${CC} failed:\n${new TextDecoder().decode(r.stderr)}`);
  return out;
}

import assert from "node:assert/strict";

const SCRIPT = new URL("../../compile.sh", import.meta.url);

/** A throwaway checkout holding compile.sh, a stub main.ts and (unless told) data/sample.csv. */
async function checkout(withSample = true): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.copyFile(SCRIPT, `${dir}/compile.sh`);
  await Deno.writeTextFile(`${dir}/main.ts`, `console.log("gputel test");\n`);
  if (withSample) {
    await Deno.mkdir(`${dir}/data`);
    await Deno.writeTextFile(`${dir}/data/sample.csv`, "a,b\n1,2\n");
  }
  return dir;
}

async function compile(dir: string, env: Record<string, string>) {
  const output = await new Deno.Command("bash", {
    args: [`${dir}/compile.sh`],
    env: { DENO: Deno.execPath(), ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr).trim().split("\n");
  return { code: output.code, last: stderr.at(-1) ?? "" };
}

const version = Deno.version.deno;
const target = Deno.build.target;

Deno.test({
  name: "compile.sh refuses a DENORT_BIN that does not exist, before compiling",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await checkout();
    try {
      const { code, last } = await compile(dir, { DENORT_BIN: `${dir}/no-denort` });
      assert.equal(code, 1);
      assert.equal(
        last,
        `compile.sh: DENORT_BIN is set to '${dir}/no-denort', which is not an executable file; ` +
          `point it at a denort ${version} binary for ${target}, or unset it to let deno download one.`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "compile.sh names the missing sample file and how to make it",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await checkout(false);
    try {
      const { code, last } = await compile(dir, {});
      assert.equal(code, 1);
      assert.equal(
        last,
        "compile.sh: data/sample.csv is missing; create it with 'deno task gen-data' first.",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "compile.sh rejects the deno CLI given as DENORT_BIN and removes what it built",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await checkout();
    try {
      const { code, last } = await compile(dir, { DENORT_BIN: Deno.execPath() });
      assert.equal(code, 1);
      assert.equal(
        last,
        `compile.sh: DENORT_BIN (${Deno.execPath()}) is the deno CLI, not denort, so dist/gputel ` +
          `ran as plain deno; point DENORT_BIN at a denort ${version} binary for ${target}.`,
      );
      await assert.rejects(Deno.stat(`${dir}/dist/gputel`), Deno.errors.NotFound);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

import assert from "node:assert/strict";
import { checkReadableFile, checkRunFiles } from "../../src/cli/check_file.ts";
import { UsageError } from "../../src/cli/errors.ts";
import { type CliRun, parseCli } from "../../src/cli/parse.ts";

async function refuses(promise: Promise<void>, message: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("checkReadableFile accepts a readable regular file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/m.csv`, "a,b\n1,2\n");
    await checkReadableFile(`${dir}/m.csv`, "--csv");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkReadableFile names the flag when the file is missing or a directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await refuses(
      checkReadableFile(`${dir}/nope.csv`, "--csv"),
      `--csv file "${dir}/nope.csv" does not exist`,
    );
    await refuses(
      checkReadableFile(dir, "GPUTEL_CSV"),
      `GPUTEL_CSV file "${dir}" is a directory; give a CSV file`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "checkReadableFile reports a file the OS will not let it read",
  ignore: Deno.build.os === "windows" || Deno.uid() === 0, // root reads anything
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/secret.csv`, "a\n", { mode: 0o000 });
      await refuses(
        checkReadableFile(`${dir}/secret.csv`, "--csv"),
        `--csv file "${dir}/secret.csv" is not readable: permission denied`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("checkReadableFile reports a file outside the process's read permission", async () => {
  const allowed = await Deno.makeTempDir();
  const other = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${other}/m.csv`, "a\n");
    const module = new URL("../../src/cli/check_file.ts", import.meta.url).href;
    const script = `${allowed}/probe.ts`;
    await Deno.writeTextFile(
      script,
      `import { checkReadableFile } from ${JSON.stringify(module)};\n` +
        `try { await checkReadableFile(${JSON.stringify(`${other}/m.csv`)}, "--csv"); }\n` +
        `catch (e) { console.log(e.name + ": " + e.message); }\n`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--no-config", `--allow-read=${allowed}`, script],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.equal(
      new TextDecoder().decode(output.stdout).trim(),
      `UsageError: --csv file "${other}/m.csv" is not readable: gputel may not read it`,
    );
  } finally {
    await Deno.remove(allowed, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
});

Deno.test("checkRunFiles checks a stream's CSV under the name it was given by", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fromEnv = parseCli(["stream"], { GPUTEL_CSV: `${dir}/x.csv` }) as CliRun;
    await refuses(checkRunFiles(fromEnv), `GPUTEL_CSV file "${dir}/x.csv" does not exist`);
    const fromFlag = parseCli(["broker,stream", "--csv", `${dir}/x.csv`], {}) as CliRun;
    await refuses(checkRunFiles(fromFlag), `--csv file "${dir}/x.csv" does not exist`);
    await checkRunFiles(parseCli(["broker"], {}) as CliRun);
    await checkRunFiles(parseCli(["demo"], {}, { demoCsv: `${dir}/embedded.csv` }) as CliRun);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

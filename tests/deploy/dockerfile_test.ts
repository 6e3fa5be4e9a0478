import assert from "node:assert/strict";
import { join } from "node:path";
import { findFlag } from "../../src/cli/flags.ts";
import { findTool, ROOT, runTool } from "./_tools.ts";

const shellcheck = findTool("shellcheck", "shellcheck of compile.sh");

const dockerfile = () => Deno.readTextFile(join(ROOT, "Dockerfile"));
/** Dockerfile instructions, continuation lines joined, comments dropped. */
async function instructions(): Promise<string[]> {
  const text = (await dockerfile()).replace(/\\\n\s*/g, " ");
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

Deno.test({
  name: "shellcheck finds nothing in compile.sh",
  ignore: shellcheck === undefined,
  fn: async () => {
    const { code, stdout } = await runTool(shellcheck!, ["--severity=style", "compile.sh"], {
      cwd: ROOT,
    });
    assert.equal(stdout, "");
    assert.equal(code, 0);
  },
});

Deno.test("the image is compiled by compile.sh itself, so its flags are compile.sh's", async () => {
  const lines = await instructions();
  const runs = lines.filter((l) => l.startsWith("RUN "));
  assert.ok(runs.includes("RUN bash compile.sh"), "the build stage must run compile.sh");
  // No second place that could name other permission flags.
  for (const run of runs) assert.doesNotMatch(run, /deno\s+compile|--allow-|--v8-flags/, run);
  assert.ok(
    !lines.some((l) => /--allow-|--unstable/.test(l)),
    "a permission flag outside compile.sh",
  );
  // What compile.sh reads must be in the build context and copied in.
  const copies = lines.filter((l) => l.startsWith("COPY ") && !l.includes("--from="));
  for (
    const needed of ["deno.json", "deno.lock", "main.ts", "compile.sh", "src", "data/sample.csv"]
  ) {
    assert.ok(
      copies.some((l) => l.split(/\s+/).includes(needed)),
      `Dockerfile does not copy ${needed}`,
    );
  }
});

Deno.test("the build image is pinned to the Deno version the project installs", async () => {
  const install = await Deno.readTextFile(join(ROOT, ".ci/install.sh"));
  const pinned = install.match(/deno@(\d+\.\d+\.\d+)/)?.[1];
  assert.ok(pinned !== undefined, ".ci/install.sh names no deno@X.Y.Z");
  const from = (await instructions()).filter((l) => l.startsWith("FROM "));
  assert.equal(from.length, 2, "multi-stage: one build and one runtime stage");
  assert.equal(from[0], `FROM denoland/deno:${pinned} AS build`);
  assert.match(from[1], /^FROM gcr\.io\/distroless\/cc-debian\d+:nonroot$/);
});

Deno.test("the runtime stage runs as non-root with a /data volume, the default ports and no HEALTHCHECK", async () => {
  const lines = await instructions();
  const runtime = lines.slice(lines.findLastIndex((l) => l.startsWith("FROM ")));
  assert.ok(runtime.includes("USER 65532:65532"));
  assert.ok(runtime.includes('VOLUME ["/data"]'));
  assert.ok(
    runtime.some((l) =>
      l.startsWith("COPY --from=build --chown=65532:65532 ") && l.endsWith(" /data")
    ),
  );
  const ports = ["port", "admin-port", "api-port"].map((name) => findFlag(name)?.default);
  assert.ok(runtime.includes(`EXPOSE ${ports.join(" ")}`), `EXPOSE ${ports.join(" ")} expected`);
  assert.ok(runtime.includes('ENTRYPOINT ["/usr/local/bin/gputel"]'));
  assert.ok(!lines.some((l) => l.startsWith("HEALTHCHECK")));
});

Deno.test(".dockerignore keeps what the build needs and leaves out the rest", async () => {
  const patterns = (await Deno.readTextFile(join(ROOT, ".dockerignore"))).split("\n")
    .map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  // Docker's rule: the last matching pattern wins; "!" re-includes.
  const excluded = (path: string) => {
    let out = false;
    for (const p of patterns) {
      const negated = p.startsWith("!");
      const glob = negated ? p.slice(1) : p;
      const re = new RegExp(
        "^" + glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]*") + "(/.*)?$",
      );
      if (re.test(path)) out = !negated;
    }
    return out;
  };
  for (
    const path of [
      "deno.json",
      "deno.lock",
      "main.ts",
      "compile.sh",
      "src/cli/parse.ts",
      "data/sample.csv",
    ]
  ) {
    assert.equal(excluded(path), false, `${path} is excluded but the build needs it`);
  }
  for (
    const path of [".git/HEAD", "dist/gputel", "tests/e2e/_harness.ts", "data/big.csv", "README.md"]
  ) {
    assert.equal(excluded(path), true, `${path} would be sent to the build`);
  }
});

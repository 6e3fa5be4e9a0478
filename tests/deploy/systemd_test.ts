import assert from "node:assert/strict";
import { join } from "node:path";
import { parseCli } from "../../src/cli/parse.ts";
import { findTool, ROOT, runTool, splitWords } from "./_tools.ts";

const UNIT_DIR = join(ROOT, "deploy/systemd");
const UNITS = [
  "gputel-broker.service",
  "gputel-collect.service",
  "gputel-stream.service",
  "gputel-stream@.service",
];
const BINARY = "/usr/local/bin/gputel";
const analyze = findTool("systemd-analyze", "systemd-analyze verify of deploy/systemd");

/**
 * `systemd-analyze verify` checks that each ExecStart binary exists and is
 * executable, and gputel is not installed at /usr/local/bin on a test
 * machine. So it verifies copies whose ExecStart points at an executable stub
 * in a temp dir; every other line is verified as written. A template unit is
 * verified as an instance (`gputel-stream@dcgm.service`), as systemd would
 * load it. verify exits 0 even for unknown keys or unparsable values (it only
 * warns), so any output on stderr fails the check too.
 */
async function verify(units: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "gputel-units-" });
  try {
    const stub = join(dir, "gputel");
    await Deno.writeTextFile(stub, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const paths: string[] = [];
    for (const [name, text] of Object.entries(units)) {
      const instance = name.replace("@.", "@dcgm.");
      await Deno.writeTextFile(join(dir, instance), text.replaceAll(BINARY, stub));
      paths.push(join(dir, instance));
    }
    const { code, stderr } = await runTool(analyze!, ["verify", "--man=no", ...paths]);
    return { code, stderr: stderr.trim() };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function readUnits(): Promise<Record<string, string>> {
  const units: Record<string, string> = {};
  for (const name of UNITS) units[name] = await Deno.readTextFile(join(UNIT_DIR, name));
  return units;
}

Deno.test({
  name: "systemd-analyze verify passes on every unit in deploy/systemd without a warning",
  ignore: analyze === undefined,
  fn: async () => {
    const { code, stderr } = await verify(await readUnits());
    assert.equal(stderr, "");
    assert.equal(code, 0);
  },
});

Deno.test({
  name: "the unit check fails on a misspelled key and on a bad value",
  ignore: analyze === undefined,
  fn: async () => {
    const units = await readUnits();
    const broker = units["gputel-broker.service"];
    const typo = await verify({
      "gputel-broker.service": broker.replace("ProtectSystem=", "ProtectSystm="),
    });
    assert.match(typo.stderr, /Unknown key 'ProtectSystm'/);
    const bad = await verify({
      "gputel-broker.service": broker.replace("Restart=on-failure", "Restart=sometimes"),
    });
    assert.match(bad.stderr, /restart specifier/);
  },
});

Deno.test("every unit runs as the gputel user with the hardening and token the README promises", async () => {
  const sysusers = await Deno.readTextFile(join(UNIT_DIR, "gputel.sysusers.conf"));
  assert.match(sysusers, /^u gputel - /m);
  for (const [name, text] of Object.entries(await readUnits())) {
    for (
      const line of [
        "User=gputel",
        "StateDirectory=gputel",
        "Restart=on-failure",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "LoadCredential=token:/etc/gputel/token",
      ]
    ) {
      assert.ok(text.split("\n").includes(line), `${name} lacks the line ${line}`);
    }
    assert.match(text, /^ExecStart=\S+ .*--token-file %d\/token/m, name);
  }
});

Deno.test("every ExecStart is a command line gputel's own parser accepts", async () => {
  for (const [name, text] of Object.entries(await readUnits())) {
    const exec = text.split("\n").find((line) => line.startsWith("ExecStart="));
    assert.ok(exec !== undefined, `${name} has no ExecStart`);
    // systemd's specifiers as they expand on a host: %d the credentials dir, %H the host name,
    // %i the template instance.
    const line = exec.slice("ExecStart=".length)
      .replaceAll("%d", "/run/credentials/unit")
      .replaceAll("%H", "gpu-host-1")
      .replaceAll("%i", "dcgm");
    const [binary, ...args] = splitWords(line);
    assert.equal(binary, BINARY, name);
    const run = parseCli(args, {});
    assert.equal(run.kind, "run", name);
  }
});

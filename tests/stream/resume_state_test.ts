import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeState, encodeState, type StreamState } from "../../src/stream/resume_state.ts";
import { readStateFile, writeStateFile } from "../../src/stream/state_file.ts";

const STATE: StreamState = {
  version: 1,
  paths: {
    "/var/log/dcgm.csv": {
      dev: 2049,
      ino: 1234,
      offset: 56_789,
      line: 91,
      rows: 90,
      producer: "4503599627370496",
      sequences: [3, 0, 5],
      sealAt: { ino: 1234, offset: 60_000 },
      fingerprint: "topic=telemetry batch=500",
      writtenAt: "2026-12-06T03:00:00.000Z",
    },
  },
};

Deno.test("the stream state codec round-trips every field", () => {
  assert.deepEqual(decodeState(encodeState(STATE)), STATE);
  const none = { ...STATE.paths["/var/log/dcgm.csv"], sealAt: null };
  assert.deepEqual(decodeState(encodeState({ version: 1, paths: { a: none } })).paths.a, none);
});

Deno.test("the stream state codec refuses what is not a state, naming the field", () => {
  assert.throws(() => decodeState("{"), /state is not JSON/);
  assert.throws(() => decodeState('{"version":2,"paths":{}}'), /not a version 1/);
  const entry = STATE.paths["/var/log/dcgm.csv"];
  for (
    const [field, value] of [
      ["dev", "x"],
      ["offset", -1],
      ["producer", 1.5],
      ["producer", "a b"],
      ["sequences", [1, "x"]],
      ["sealAt", { ino: 1 }],
      ["fingerprint", 7],
      ["writtenAt", null],
    ] as const
  ) {
    const text = JSON.stringify({ version: 1, paths: { p: { ...entry, [field]: value } } });
    assert.throws(() => decodeState(text), new RegExp(`state of p: ${field} is not valid`));
  }
});

Deno.test("writeStateFile replaces the file whole and leaves no temporary behind", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-state-" });
  try {
    const path = join(dir, "s.json");
    assert.equal(await readStateFile(path), undefined);
    await writeStateFile(path, STATE);
    assert.deepEqual(await readStateFile(path), STATE);
    await writeStateFile(path, { version: 1, paths: {} });
    assert.deepEqual(await readStateFile(path), { version: 1, paths: {} });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["s.json"]);
    await Deno.writeTextFile(path, "junk");
    await assert.rejects(readStateFile(path), /stream state file .*s\.json: state is not JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

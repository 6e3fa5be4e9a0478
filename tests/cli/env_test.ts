import assert from "node:assert/strict";
import { localHostname, readGputelEnv } from "../../src/cli/env.ts";
import { FLAGS } from "../../src/cli/flags.ts";

Deno.test("readGputelEnv asks for one GPUTEL_ variable per flag and keeps the set ones", () => {
  const asked: string[] = [];
  const env = readGputelEnv((name) => {
    asked.push(name);
    return ({ GPUTEL_API_PORT: "8081", GPUTEL_NO_LOOP: "" } as Record<string, string>)[name];
  });
  assert.equal(asked.length, FLAGS.length);
  assert.ok(asked.every((name) => name.startsWith("GPUTEL_")));
  assert.deepEqual(env, { GPUTEL_API_PORT: "8081", GPUTEL_NO_LOOP: "" });
});

Deno.test("readGputelEnv reads the real environment by default", () => {
  Deno.env.set("GPUTEL_TOPIC", "from-env-test");
  try {
    assert.equal(readGputelEnv().GPUTEL_TOPIC, "from-env-test");
  } finally {
    Deno.env.delete("GPUTEL_TOPIC");
  }
});

Deno.test("localHostname returns this machine's name", () => {
  assert.equal(localHostname(), Deno.hostname() || "localhost");
});

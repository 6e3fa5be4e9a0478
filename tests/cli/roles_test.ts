import assert from "node:assert/strict";
import { UsageError } from "../../src/cli/errors.ts";
import { commandName, parseCommand } from "../../src/cli/roles.ts";

Deno.test("parseCommand accepts each role alone", () => {
  for (const role of ["broker", "stream", "collect", "api"] as const) {
    assert.deepEqual(parseCommand(role), { roles: [role], demo: false });
  }
});

Deno.test("parseCommand accepts a mix in any order and returns it in start order", () => {
  assert.deepEqual(parseCommand("stream,collect,broker"), {
    roles: ["broker", "collect", "stream"],
    demo: false,
  });
  assert.deepEqual(parseCommand("stream,api,broker"), {
    roles: ["broker", "api", "stream"],
    demo: false,
  });
});

Deno.test("parseCommand reads demo as broker, collect and stream", () => {
  assert.deepEqual(parseCommand("demo"), { roles: ["broker", "collect", "stream"], demo: true });
  assert.equal(commandName(parseCommand("demo")), "demo");
  assert.equal(commandName(parseCommand("stream,broker")), "broker,stream");
});

const KNOWN = "broker, stream, collect, api, compact or demo, or a mix like broker,collect";

Deno.test("parseCommand refuses unknown, empty, repeated and conflicting roles with one line each", () => {
  const cases: [string, string][] = [
    ["brokr", `unknown role "brokr": expected ${KNOWN}`],
    ["broker,", `unknown role "" in "broker,": expected ${KNOWN}`],
    ["Broker", `unknown role "Broker": expected ${KNOWN}`],
    ["broker,strem", `unknown role "strem" in "broker,strem": expected ${KNOWN}`],
    ["broker,broker", `role broker appears twice in "broker,broker"`],
    ["demo,broker", "demo runs broker, collect and stream itself; use it alone"],
    ["collect,api", `collect already serves the query API; drop api from "collect,api"`],
    ["api,compact", `compact is a one-off command; run it alone, not in "api,compact"`],
  ];
  for (const [word, message] of cases) {
    assert.throws(() => parseCommand(word), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.name, "UsageError");
      assert.equal(error.message, message);
      return true;
    });
  }
});

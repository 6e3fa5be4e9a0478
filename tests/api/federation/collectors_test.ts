import assert from "node:assert/strict";
import { CollectorSet, parseCollectorsSpec } from "../../../src/api/federation/collectors.ts";
import { parseCli } from "../../../src/cli/parse.ts";
import { UsageError } from "../../../src/cli/errors.ts";

Deno.test("parseCollectorsSpec reads a URL list and dns:NAME:PORT, and names what is wrong", () => {
  assert.deepEqual(parseCollectorsSpec("http://c0:8080,https://c1:8443/"), {
    kind: "static",
    urls: ["http://c0:8080", "https://c1:8443"],
  });
  assert.deepEqual(parseCollectorsSpec("dns:gputel-collect:8080"), {
    kind: "dns",
    scheme: "http",
    name: "gputel-collect",
    port: 8080,
  });
  assert.equal(
    (parseCollectorsSpec("dns+https:c.ns.svc:8443") as { scheme: string }).scheme,
    "https",
  );
  for (
    const [bad, why] of [
      ["dns:c", /is not dns:NAME:PORT/],
      ["dns:c:70000", /port 70000 is out of range/],
      ["c0:8080", /must be http\(s\):\/\/HOST:PORT/],
      ["ftp://c0:21", /must be http\(s\)/],
      ["http://c0:8080/api", /with no path/],
      ["http://c0:8080,http://c0:8080", /listed twice/],
    ] as const
  ) {
    assert.throws(() => parseCollectorsSpec(bad), why, bad);
  }
});

Deno.test("gputel api takes --collectors instead of --data-dir, never both, and refuses a bad list", () => {
  const run = parseCli(["api", "--collectors", "dns:c:8080", "--collector-timeout", "500ms"], {});
  assert.equal(run.kind, "run");
  if (run.kind === "run") {
    assert.deepEqual(run.options.collectors, {
      kind: "dns",
      scheme: "http",
      name: "c",
      port: 8080,
    });
    assert.equal(run.options.collectorTimeoutMs, 500);
  }
  assert.throws(
    () => parseCli(["api", "--collectors", "http://c:1", "--data-dir", "/d"], {}),
    (e) => e instanceof UsageError && /--collectors and --data-dir were both given/.test(e.message),
  );
  assert.throws(
    () => parseCli(["api", "--collectors", "c:8080"], {}),
    (e) => e instanceof UsageError && e.message.startsWith("--collectors must be http://HOST:PORT"),
  );
  assert.throws(
    () => parseCli(["collect", "--collectors", "http://c:1"], {}),
    (e) => e instanceof UsageError && /--collectors is not a flag of collect/.test(e.message),
  );
});

Deno.test("a dns: collector set follows A and AAAA records and keeps the last good answer", async () => {
  let answers: Record<string, string[] | Error> = {
    A: ["10.0.0.2", "10.0.0.1"],
    AAAA: ["fd00::1"],
  };
  const asked: string[] = [];
  const set = new CollectorSet({
    spec: parseCollectorsSpec("dns:gputel-collect:8080"),
    resolve: (name, type) => {
      asked.push(`${name} ${type}`);
      const answer = answers[type];
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    refreshMs: 60_000,
  });
  try {
    await set.start();
    assert.deepEqual(asked, ["gputel-collect A", "gputel-collect AAAA"]);
    assert.deepEqual(set.urls(), [
      "http://10.0.0.1:8080",
      "http://10.0.0.2:8080",
      "http://[fd00::1]:8080",
    ]);
    // A scale-down: one record fewer; no AAAA records (NotFound) is an empty answer, not a failure.
    answers = { A: ["10.0.0.1"], AAAA: new Deno.errors.NotFound("no AAAA") };
    await set.resolveNow();
    assert.deepEqual(set.urls(), ["http://10.0.0.1:8080"]);
    assert.equal(set.lastError, undefined);
    // DNS down: the last good answer stays.
    answers = { A: new Error("timed out"), AAAA: new Error("timed out") };
    await set.resolveNow();
    assert.deepEqual(set.urls(), ["http://10.0.0.1:8080"]);
    assert.match(set.lastError ?? "", /cannot resolve gputel-collect: Error: timed out/);
  } finally {
    await set.close();
    await set.close();
  }
});

Deno.test("a dns: collector set resolves again by itself every refreshMs", async () => {
  let calls = 0;
  const set = new CollectorSet({
    spec: parseCollectorsSpec("dns:c:8080"),
    resolve: (_name, type) => {
      if (type === "A") calls++;
      return Promise.resolve(type === "A" ? [`10.0.0.${calls}`] : []);
    },
    refreshMs: 10,
  });
  try {
    await set.start();
    const deadline = Date.now() + 10_000;
    while (calls < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(calls >= 3, `resolved ${calls} times`);
    assert.match(set.urls()[0], /^http:\/\/10\.0\.0\.\d+:8080$/);
  } finally {
    await set.close();
  }
});

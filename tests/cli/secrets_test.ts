import assert from "node:assert/strict";
import { UsageError } from "../../src/cli/errors.ts";
import { type CliRun, parseCli } from "../../src/cli/parse.ts";
import { loadRunSecrets } from "../../src/cli/secrets.ts";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

function run(args: string[], env: Record<string, string> = {}): CliRun {
  const r = parseCli(args, env, { hostname: "h" });
  assert.equal(r.kind, "run");
  return r as CliRun;
}

const files: Record<string, string> = {
  "/t": "  s3cret\n",
  "/empty": " \n",
  "/spaced": "two words\n",
  "/cert": PEM,
  "/key": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
  "/plain": "not pem",
};
const read = (path: string) =>
  path in files ? Promise.resolve(files[path]) : Promise.reject(new Deno.errors.NotFound(path));

Deno.test("the token comes from --token, GPUTEL_TOKEN or a trimmed --token-file", async () => {
  assert.deepEqual(await loadRunSecrets(run(["broker", "--token", "abc"]), read), { token: "abc" });
  assert.deepEqual(
    await loadRunSecrets(run(["stream", "--csv", "f"], { GPUTEL_TOKEN: "e" }), read),
    {
      token: "e",
    },
  );
  assert.deepEqual(await loadRunSecrets(run(["collect", "--token-file", "/t"]), read), {
    token: "s3cret",
  });
  assert.deepEqual(await loadRunSecrets(run(["api", "--data-dir", "d"]), read), {});
});

Deno.test("a bad token file is a usage error naming the flag or variable", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["broker", "--token-file", "/nope"], {}, /^--token-file file "\/nope" does not exist$/],
    [
      ["broker"],
      { GPUTEL_TOKEN_FILE: "/nope" },
      /^GPUTEL_TOKEN_FILE file "\/nope" does not exist$/,
    ],
    [["broker", "--token-file", "/empty"], {}, /--token-file file "\/empty" must hold 1 to 4096/],
    [["broker", "--token-file", "/spaced"], {}, /must hold 1 to 4096 printable characters/],
    [["broker", "--token", "a", "--token-file", "/t"], {}, /--token and --token-file both set/],
  ];
  for (const [args, env, message] of cases) {
    await assert.rejects(
      loadRunSecrets(run(args, env), read),
      (e) => e instanceof UsageError && message.test(e.message),
      args.join(" "),
    );
  }
});

Deno.test("--tls-cert and --tls-key go together and must be PEM; a local broker's cert is the CA", async () => {
  await assert.rejects(
    loadRunSecrets(run(["broker", "--tls-cert", "/cert"]), read),
    /--tls-cert and --tls-key go together/,
  );
  await assert.rejects(
    loadRunSecrets(run(["broker", "--tls-cert", "/plain", "--tls-key", "/key"]), read),
    /--tls-cert file is not PEM/,
  );
  const local = await loadRunSecrets(
    run(["broker,collect", "--tls-cert", "/cert", "--tls-key", "/key"]),
    read,
  );
  assert.deepEqual(local.brokerTls, { caCerts: [PEM] });
  assert.equal(local.tls?.cert, PEM);
  const remote = await loadRunSecrets(run(["stream", "--csv", "f", "--tls-ca", "/cert"]), read);
  assert.deepEqual(remote, { brokerTls: { caCerts: [PEM] } });
});

Deno.test("token and limit flags parse, and bad values name the flag", () => {
  const o = run([
    "broker,collect",
    "--max-connections",
    "10",
    "--max-batch",
    "50",
    "--max-frame-bytes",
    "1MiB",
    "--max-subscriptions",
    "3",
    "--max-window",
    "7d",
    "--max-url-length",
    "1024",
    "--max-body-bytes",
    "1KiB",
  ]).options;
  assert.deepEqual(
    [
      o.maxConnections,
      o.maxBatchMessages,
      o.maxFrameBytes,
      o.maxSubscriptionsPerConnection,
      o.maxWindowMs,
    ],
    [10, 50, 1 << 20, 3, 7 * 86_400_000],
  );
  assert.deepEqual([o.maxUrlLength, o.maxBodyBytes], [1024, 1024]);
  assert.throws(
    () => run(["broker", "--token", "has space"]),
    /--token must be 1 to 4096 printable characters without spaces, got "has space"/,
  );
  assert.throws(() => run(["collect", "--max-window", "0"]), /--max-window must be a duration/);
  assert.throws(() => run(["broker", "--max-connections", "0"]), /--max-connections must be/);
  assert.throws(() => run(["stream", "--csv", "f", "--tls-cert", "c"]), /not a flag of stream/);
});

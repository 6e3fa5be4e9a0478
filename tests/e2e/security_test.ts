import assert from "node:assert/strict";
import { makeTestCert } from "../net/_cert.ts";
import { mulberry32 as prng } from "../../src/stream/prng.ts";
import {
  Gputel,
  jsonlLines,
  startAllInOne,
  startRole,
  waitUntil,
  writeExportShaped,
} from "./_harness.ts";

const TOKEN = "e2e-T0ken";
const cert = await makeTestCert();
if (cert) addEventListener("unload", () => Deno.removeSync(cert.dir, { recursive: true }));
const auth = { authorization: `Bearer ${TOKEN}` };

/** `broker,collect --token` on fresh ports and a fresh data dir. */
async function startServers(): Promise<
  { proc: Gputel; port: number; admin: number; api: number; dir: string }
> {
  const dir = await Deno.makeTempDir({ prefix: "gputel-sec-" });
  const { proc, port, admin, api } = await startAllInOne(dir, ["--token", TOKEN]);
  return { proc, port, admin, api, dir };
}

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  await res.body?.cancel();
  return res.status;
}

Deno.test("with --token, a stream without it exits non-zero saying a token is required; the APIs need it", async () => {
  const s = await startServers();
  await using proc = s.proc;
  await using stream = new Gputel([
    "stream",
    "--csv",
    "data/sample.csv",
    "--broker",
    `127.0.0.1:${s.port}`,
    "--no-loop",
    "--rate",
    "0",
  ]);
  const { code, output } = await stream.wait();
  assert.equal(code, 1, output);
  assert.match(
    output,
    /^gputel: Broker 127\.0\.0\.1:\d+ refused the connection: a token is required/m,
  );

  const stats = `http://127.0.0.1:${s.admin}/stats`;
  const gpus = `http://127.0.0.1:${s.api}/api/v1/gpus`;
  assert.deepEqual(await Promise.all([status(stats), status(gpus)]), [401, 401]);
  assert.deepEqual(await Promise.all([status(stats, auth), status(gpus, auth)]), [200, 200]);
  assert.deepEqual(
    await Promise.all([
      status(`http://127.0.0.1:${s.admin}/health`),
      status(`http://127.0.0.1:${s.api}/health`),
    ]),
    [200, 200],
  );
  const counted = await (await fetch(stats, { headers: auth })).json();
  assert.equal(counted.connections.unauthorized, 1);
  assert.equal(counted.http.unauthorized, 1);

  const base = `http://127.0.0.1:${s.api}/api/v1/gpus/GPU-x/telemetry`;
  const junk = [
    "limit=-5",
    "limit=abc",
    "start_time=2026-13-01T00:00:00Z",
    `end_time=${"9".repeat(5000)}`,
    "metric=%00",
    "limit=%00",
  ];
  for (const q of junk) {
    const got = await status(`${base}?${q}`, auth);
    assert.ok(got >= 400 && got < 500, `${q} → ${got}`);
  }
  proc.kill("SIGTERM");
  assert.equal((await proc.wait()).code, 0);
  await Deno.remove(s.dir, { recursive: true });
});

/** One hostile connection: random bytes, or an oversized length prefix; reads until closed (≤ 2 s). */
async function junkConnection(port: number, rnd: () => number, oversized: boolean): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const bytes = oversized
    ? Uint8Array.from([0xff, 0xff, 0xff, 0xf0, 0x12, 0, 0, 0])
    : Uint8Array.from({ length: 1 + Math.floor(rnd() * 4096) }, () => Math.floor(rnd() * 256));
  const timer = setTimeout(() => conn.close(), 2000);
  try {
    await conn.write(bytes);
    const buf = new Uint8Array(4096);
    while ((await conn.read(buf)) !== null) {
      // drain the ERROR frame until the broker closes
    }
  } catch {
    // reset, or closed by the timer
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

Deno.test({
  name:
    "after 300 junk connections a tokened stream of the export-shaped file still stores all 2,470 records",
  async fn() {
    const s = await startServers();
    const csv = await writeExportShaped(`${s.dir}/export.csv`);
    await using proc = s.proc;
    const rnd = prng(0x300);
    for (let i = 0; i < 300; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => junkConnection(s.port, rnd, (i + j) % 2 === 1)),
      );
    }
    await using stream = new Gputel([
      "stream",
      "--csv",
      csv,
      "--broker",
      `127.0.0.1:${s.port}`,
      "--no-loop",
      "--rate",
      "0",
    ], { GPUTEL_TOKEN: TOKEN });
    const streamed = await stream.wait();
    assert.equal(streamed.code, 0, streamed.output);
    await waitUntil("2,470 stored records", async () => (await jsonlLines(s.dir)).length >= 2470);
    const lines = await jsonlLines(s.dir);
    assert.equal(lines.length, 2470);
    assert.equal(new Set(lines).size, 2470);
    assert.equal(await status(`http://127.0.0.1:${s.admin}/health`), 200);
    assert.equal(await status(`http://127.0.0.1:${s.api}/health`), 200);
    const stats = await (await fetch(`http://127.0.0.1:${s.admin}/stats`, { headers: auth }))
      .json();
    assert.ok(stats.connections.protocolErrors >= 280, JSON.stringify(stats.connections));
    proc.kill("SIGTERM");
    assert.equal((await proc.wait()).code, 0);
    await Deno.remove(s.dir, { recursive: true });
  },
});

Deno.test({
  name:
    "over TLS with --tls-cert/--tls-key and --tls-ca, a tokened stream stores every sample record",
  ignore: cert === undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "gputel-tls-" });
    const tlsFlags = ["--tls-cert", `${cert!.dir}/cert.pem`, "--tls-key", `${cert!.dir}/key.pem`];
    const servers = await startAllInOne(dir, tlsFlags, {
      env: { GPUTEL_TOKEN: TOKEN },
      wait: false,
    });
    await using proc = servers.proc;
    const { port, admin, api } = servers;
    const client = Deno.createHttpClient({ caCerts: [cert!.cert] });
    try {
      await waitUntil("the HTTPS APIs", async () => {
        try {
          const codes = await Promise.all([admin, api].map(async (p) => {
            const r = await fetch(`https://localhost:${p}/health`, { client });
            await r.body?.cancel();
            return r.status;
          }));
          return codes.every((c) => c === 200);
        } catch {
          return false;
        }
      });
      // Forgetting --tls-ca is a clear, immediate failure, not a retry loop.
      await using plain = new Gputel(
        ["stream", "--csv", "data/sample.csv", "--broker", `localhost:${port}`, "--no-loop"],
        { GPUTEL_TOKEN: TOKEN },
      );
      const refused = await plain.wait();
      assert.equal(refused.code, 1, refused.output);
      assert.match(refused.output, /answered in TLS: .*connect with --tls-ca/);
      await using stream = new Gputel([
        "stream",
        "--csv",
        "data/sample.csv",
        "--broker",
        `localhost:${port}`,
        "--tls-ca",
        `${cert!.dir}/cert.pem`,
        "--token",
        TOKEN,
        "--no-loop",
        "--rate",
        "0",
      ]);
      const streamed = await stream.wait();
      assert.equal(streamed.code, 0, streamed.output);
      await waitUntil("1,920 stored records", async () => (await jsonlLines(dir)).length >= 1920);
      assert.equal((await jsonlLines(dir)).length, 1920);
      const gpus = await fetch(`https://localhost:${api}/api/v1/gpus`, { client, headers: auth });
      assert.equal(gpus.status, 200);
      assert.equal((await gpus.json()).total, 32);
    } finally {
      client.close();
    }
    proc.kill("SIGTERM");
    assert.equal((await proc.wait()).code, 0);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("binding a non-loopback address without a token warns at start; with one it does not", async () => {
  for (const token of [undefined, TOKEN]) {
    const { proc: broker } = await startRole(["broker", "--host", "0.0.0.0"], ["tcp", "admin"], {
      env: token ? { GPUTEL_TOKEN: token, GPUTEL_NO_PERSIST: "1" } : { GPUTEL_NO_PERSIST: "1" },
    });
    await using _broker = broker;
    broker.kill("SIGTERM");
    const { code, output } = await broker.wait();
    assert.equal(code, 0);
    assert.equal(
      /WARN .*listening on 0\.0\.0\.0 without a token: anyone who can reach it/.test(output),
      token === undefined,
      output,
    );
  }
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTestCert } from "../net/_cert.ts";
import { Gputel, startRole, waitUntil, writeExportShaped } from "./_harness.ts";
import { NatsServer, natsTest } from "./_nats.ts";

natsTest(
  "with a token and TLS on nats-server, stream and collect need --token and --tls-ca; a wrong token stops collect at once",
  async () => {
    const cert = await makeTestCert();
    if (cert === undefined) return; // makeTestCert said why
    const dir = await Deno.makeTempDir({ prefix: "gputel-nats-sec-" });
    try {
      await using server = await NatsServer.start(dir, "n1", undefined, [
        `authorization { token: "s3cret-token" }`,
        `tls { cert_file: "${join(cert.dir, "cert.pem")}", key_file: "${
          join(cert.dir, "key.pem")
        }" }`,
      ]);
      const url = `nats://localhost:${server.port}`;
      const tls = ["--tls-ca", join(cert.dir, "cert.pem")];

      const wrong = new Gputel([
        ...["collect", "--broker", url, "--data-dir", join(dir, "x"), "--api-port", "0"],
        ...["--token", "wrong-token", ...tls],
      ]);
      const refused = await wrong.wait();
      assert.equal(refused.code, 1, refused.output);
      assert.match(refused.output, /NATS .* refused the connection: .*Authorization/i);

      const c = await startRole([
        ...["collect", "--broker", url, "--data-dir", join(dir, "data"), "--id", "c1"],
        ...["--token", "s3cret-token", ...tls],
      ], ["api"]);
      await using _collector = c.proc;
      const { api } = c;
      const csv = await writeExportShaped(join(dir, "rows.csv"), 100);
      const stream = new Gputel([
        ...["stream", "--broker", url, "--csv", csv, "--rate", "0", "--no-loop"],
        ...["--token", "s3cret-token", ...tls],
      ]);
      const { code, output } = await stream.wait();
      assert.equal(code, 0, output);
      assert.match(output, /confirmed=100\b/);
      const stats = async () => {
        const r = await fetch(`http://127.0.0.1:${api}/stats`, {
          headers: { authorization: "Bearer s3cret-token" },
        });
        return await r.json() as { collector: { stored: number } };
      };
      await waitUntil("100 rows stored", async () => (await stats()).collector.stored >= 100);
      assert.equal((await stats()).collector.stored, 100);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(cert.dir, { recursive: true });
    }
  },
);

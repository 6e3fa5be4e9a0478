import assert from "node:assert/strict";
import { join } from "node:path";
import { startBrokerRole } from "../../src/broker/role.ts";
import { silentLogger } from "../../src/obs/log.ts";
import { portRefused, waitUntil, withDir } from "../_helpers.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("aborting its signal stops the broker role: both ports closed, the log's files closed cleanly", async () => {
  await withDir(async (dir) => {
    const abort = new AbortController();
    const role = await startBrokerRole({
      port: 0,
      adminPort: 0,
      dataDir: dir,
      logger: silentLogger,
      signal: abort.signal,
    });
    const tcp = role.server.addr.port, admin = role.adminAddr.port;
    const clean = join(dir, "broker", "clean");
    try {
      const health = await fetch(`http://127.0.0.1:${admin}/health`);
      await health.body?.cancel();
      assert.equal(health.status, 200);
      assert.equal(await portRefused(tcp), false, "serving before the abort");
      assert.equal(await exists(clean), false, "the clean-close marker is taken at open");
      abort.abort();
      await waitUntil(
        "both ports closed",
        async () => await portRefused(tcp) && portRefused(admin),
      );
      await waitUntil("the clean-close marker", () => exists(clean));
    } finally {
      await role.close();
    }
  });
});

Deno.test("a broker role started on an aborted signal is closed at once", async () => {
  const role = await startBrokerRole({
    port: 0,
    adminPort: 0,
    logger: silentLogger,
    signal: AbortSignal.abort(),
  });
  assert.equal(await portRefused(role.server.addr.port), true);
  assert.equal(await portRefused(role.adminAddr.port), true);
});

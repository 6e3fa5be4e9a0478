import assert from "node:assert/strict";
import { startBrokerRole } from "../../src/broker/role.ts";
import { BrokerRefusedError } from "../../src/client/errors.ts";
import { openLink } from "../../src/client/link.ts";
import { Publisher } from "../../src/client/publisher.ts";
import { Subscriber } from "../../src/client/subscriber.ts";
import { silentLogger } from "../../src/obs/log.ts";
import { makeTestCert } from "../net/_cert.ts";

const cert = await makeTestCert();

Deno.test({
  name: "a TLS broker carries a publish and a subscription end to end, and serves HTTPS admin",
  ignore: cert === undefined,
  async fn() {
    const tls = { cert: cert!.cert, key: cert!.key };
    await using role = await startBrokerRole({
      port: 0,
      adminPort: 0,
      tls,
      token: "T0ken",
      logger: silentLogger,
    });
    const broker = { host: "127.0.0.1", port: role.server.addr.port };
    const client = { token: "T0ken", tls: { caCerts: [cert!.cert] } };
    await using pub = await Publisher.connect({ broker, topic: "t", ...client });
    await using sub = await Subscriber.connect({ broker, topic: "t", group: "g", ...client });
    for (let i = 0; i < 1000; i++) await pub.publish(`k${i % 7}`, new Uint8Array([i & 0xff]));
    await pub.flush();
    let received = 0;
    for await (const d of sub.deliveries()) {
      received += d.messages.length;
      sub.ack(d.partition, d.end);
      if (received === 1000) break;
    }
    assert.equal(received, 1000);

    const http = Deno.createHttpClient({ caCerts: [cert!.cert] });
    try {
      const base = `https://localhost:${role.adminAddr.port}`;
      const health = await fetch(`${base}/health`, { client: http });
      assert.equal(health.status, 200);
      await health.body?.cancel();
      const denied = await fetch(`${base}/stats`, { client: http });
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      const stats = await fetch(`${base}/stats`, {
        client: http,
        headers: { authorization: "Bearer T0ken" },
      });
      assert.equal(stats.status, 200);
      assert.equal((await stats.json()).connections.connectionsOpen, 2);
    } finally {
      http.close();
    }
  },
});

Deno.test({
  name:
    "a client that does not trust the broker's certificate, or speaks plain TCP to it, is refused for good",
  ignore: cert === undefined,
  async fn() {
    await using role = await startBrokerRole({
      port: 0,
      adminPort: 0,
      tls: { cert: cert!.cert, key: cert!.key },
      logger: silentLogger,
    });
    const addr = { host: "127.0.0.1", port: role.server.addr.port };
    await assert.rejects(
      openLink(addr, { clientId: "t", onFrame: () => {}, tls: { caCerts: [] } }),
      (e) =>
        e instanceof BrokerRefusedError && /TLS handshake .* \(check --tls-ca\)/.test(e.message),
    );
    // A plain client is told what to do, and not left retrying forever.
    await assert.rejects(
      openLink(addr, { clientId: "t", onFrame: () => {}, connectTimeoutMs: 2000 }),
      (e) =>
        e instanceof BrokerRefusedError &&
        /answered in TLS: .* connect with --tls-ca/.test(e.message),
    );
    // the broker is still serving TLS clients after both
    const link = await openLink(addr, {
      clientId: "t",
      onFrame: () => {},
      tls: { caCerts: [cert!.cert] },
    });
    link.close();
    await link.done;
  },
});

if (cert) {
  addEventListener("unload", () => Deno.removeSync(cert.dir, { recursive: true }));
}

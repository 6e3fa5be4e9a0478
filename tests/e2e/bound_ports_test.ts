import assert from "node:assert/strict";
import { join } from "node:path";
import { withDir } from "../_helpers.ts";
import { boundPorts, startRole } from "./_harness.ts";

Deno.test("boundPorts reads the startup lines of both log formats, TLS and IPv6 included", () => {
  const text = [
    '2026-12-06T03:41:06.746Z INFO  [broker] broker listening tcp="127.0.0.1:32947 (TLS)" ' +
    "admin=https://127.0.0.1:43871 token=none partitions=8",
    "2026-12-06T03:41:07.423Z INFO  [collect] collector storing dir=/d api=http://[::1]:37239",
    "2026-12-06T03:41:07.430Z INFO  [broker] member joined member=c1.s1 api=http://x:1",
  ].join("\n");
  assert.deepEqual(boundPorts(text), { tcp: 32947, admin: 43871, api: 37239 });
  const json = JSON.stringify({
    time: "t",
    level: "info",
    component: "api",
    msg: "api serving",
    api: "http://127.0.0.1:8081",
  });
  assert.deepEqual(boundPorts(`${json}\n{"msg":"other","api":"http://h:1"}\n`), { api: 8081 });
  assert.deepEqual(boundPorts("gputel: --port must be a number\n"), {});
});

Deno.test("broker, collect and api on port 0 name the ports they got in their startup line, in text and JSON logs", () =>
  withDir(async (dir) => {
    for (const format of ["text", "json"]) {
      const data = join(dir, format);
      const server = await startRole(
        ["broker,collect", "--data-dir", data, "--log-format", format],
        ["tcp", "admin", "api"],
      );
      await using _server = server.proc;
      const api = await startRole(["api", "--data-dir", data, "--log-format", format], ["api"]);
      await using _api = api.proc;
      const ports = [server.tcp, server.admin, server.api, api.api];
      assert.ok(ports.every((p) => p > 0), `${ports}`);
      assert.equal(new Set(ports).size, 4, `${ports}`);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.tcp });
      conn.close();
      for (const proc of [server.proc, api.proc]) {
        proc.kill("SIGTERM");
        assert.equal((await proc.wait()).code, 0);
      }
    }
  }));

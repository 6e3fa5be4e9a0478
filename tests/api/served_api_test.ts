import assert from "node:assert/strict";
import { ServedApi } from "../../src/api/served_api.ts";
import { createLogger, type LogFields } from "../../src/obs/log.ts";

function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ format: "json", write: (line) => lines.push(line) }), lines };
}

const ok = () => new Response("ok");

Deno.test("ServedApi logs where it serves, and close() stops it and cleans up once, even when called twice", async () => {
  const { logger, lines } = recordingLogger();
  let cleanUps = 0;
  const fields: LogFields = { collectors: 3 };
  const api = await ServedApi.start({ apiPort: 0, logger }, ok, fields, () => void cleanUps++);
  const url = `http://127.0.0.1:${api.apiAddr.port}/`;
  assert.equal(await (await fetch(url)).text(), "ok");
  const serving = JSON.parse(lines[0]);
  assert.deepEqual([serving.msg, serving.collectors, serving.api, serving.token], [
    "api serving",
    3,
    url.slice(0, -1),
    "none",
  ]);
  await Promise.all([api.close(), api.close()]);
  await api.close();
  assert.equal(cleanUps, 1);
  await assert.rejects(fetch(url));
  assert.equal(lines.filter((line) => JSON.parse(line).msg === "api stopped").length, 1);
});

Deno.test("ServedApi stops when its signal aborts, and at once when it was aborted before it started", async () => {
  const { logger } = recordingLogger();
  const controller = new AbortController();
  let cleanUps = 0;
  const api = await ServedApi.start(
    { apiPort: 0, logger, signal: controller.signal },
    ok,
    {},
    () => void cleanUps++,
  );
  const url = `http://127.0.0.1:${api.apiAddr.port}/`;
  await (await fetch(url)).body?.cancel();
  controller.abort();
  await api.close(); // the same stop the signal began
  assert.equal(cleanUps, 1);
  await assert.rejects(fetch(url));
  const late = await ServedApi.start(
    { apiPort: 0, logger, signal: controller.signal },
    ok,
    {},
    () => void cleanUps++,
  );
  await late.close();
  assert.equal(cleanUps, 2);
});

Deno.test("ServedApi cleans up and rethrows when its port is taken", async () => {
  const { logger } = recordingLogger();
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let cleanedUp = false;
  await assert.rejects(
    ServedApi.start({ apiPort: listener.addr.port, logger }, ok, {}, () => {
      cleanedUp = true;
    }),
    Deno.errors.AddrInUse,
  );
  assert.ok(cleanedUp);
});

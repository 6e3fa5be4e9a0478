import assert from "node:assert/strict";
import { join } from "node:path";
import { type BrokerServer, startBrokerServer } from "../../src/broker/server.ts";
import { StoreLockedError } from "../../src/collect/errors.ts";
import { CollectorStore } from "../../src/collect/store.ts";
import { createLogger, silentLogger } from "../../src/obs/log.ts";
import { type CollectRole, startCollectRole } from "../../src/roles/collect.ts";
import { portRefused, waitUntil, withDir, within } from "../_helpers.ts";

/** Whether the collector's dir can be opened, i.e. no store holds its lock. */
async function unlocked(dir: string): Promise<boolean> {
  try {
    await (await CollectorStore.open({ dir })).close();
    return true;
  } catch (e) {
    if (e instanceof StoreLockedError) return false;
    throw e;
  }
}

function members(broker: BrokerServer): number {
  return broker.core.topics.get("telemetry")?.groups.get("collectors")?.members().length ?? 0;
}

Deno.test("aborting its signal stops the collect role: members leave, the API port closes, the store unlocks", async () => {
  await withDir(async (dir) => {
    await using broker = await startBrokerServer({ port: 0, topics: ["telemetry"] });
    const abort = new AbortController();
    const role = await startCollectRole({
      broker: { host: "127.0.0.1", port: broker.addr.port },
      dataDir: dir,
      id: "c1",
      apiPort: 0,
      workers: 2,
      logger: silentLogger,
      signal: abort.signal,
    });
    try {
      await waitUntil("both members in the group", () => members(broker) === 2);
      assert.equal(await unlocked(join(dir, "c1")), false, "the running role holds its store");
      abort.abort();
      await waitUntil("the members gone", () => members(broker) === 0);
      await waitUntil("the API port closed", () => portRefused(role.apiAddr.port));
      await waitUntil("the store unlocked", () => unlocked(join(dir, "c1")));
    } finally {
      await role.close();
    }
  });
});

Deno.test("aborting its signal while no broker answers stops a collect role that is still joining", async () => {
  await withDir(async (dir) => {
    const abort = new AbortController();
    const lines: string[] = [];
    // Nothing listens on port 1: every member keeps retrying until the abort.
    const starting = startCollectRole({
      broker: { host: "127.0.0.1", port: 1 },
      dataDir: dir,
      id: "c1",
      apiPort: 0,
      workers: 2,
      logger: createLogger({ write: (line) => void lines.push(line) }),
      signal: abort.signal,
    });
    let role: CollectRole | undefined;
    starting.then((r) => role = r, () => {});
    await waitUntil("a member retrying", () => lines.some((l) => /retrying in \d+ ms/.test(l)));
    assert.equal(role, undefined, "still joining");
    assert.equal(await unlocked(join(dir, "c1")), false, "the joining role holds its store");
    abort.abort();
    role = await within(starting, 30_000, "the aborted start");
    assert.equal(await portRefused(role.apiAddr.port), true);
    assert.equal(await unlocked(join(dir, "c1")), true);
  });
});

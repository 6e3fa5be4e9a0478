import assert from "node:assert/strict";
import { join } from "node:path";
import { BrokerCore } from "../../src/broker/core.ts";
import { DurableLog } from "../../src/broker/durable_log.ts";
import { logStoreOn } from "../../src/broker/file_log_store.ts";
import type { OwnershipState } from "../../src/broker/group_types.ts";
import { MemoryLogStore } from "../../src/broker/log_store.ts";
import { OWNERSHIP_FILE_NAME } from "../../src/broker/ownership_file.ts";
import { type BrokerServer, startBrokerServer } from "../../src/broker/server.ts";
import { BrokerStorage } from "../../src/broker/store/storage.ts";
import { Subscriber } from "../../src/client/subscriber.ts";
import { ManualClock } from "../../src/clock.ts";
import { createLogger, type Logger, silentLogger } from "../../src/obs/log.ts";
import { waitUntil, withDir } from "../_helpers.ts";

const OWNED: OwnershipState = { home: ["c1/0", "c1/0"], generations: [3, 5] };

/** A broker (on `storage`, or in memory) with a keyed member of group g that owns both partitions. */
async function ownedBroker(storage?: BrokerStorage, logger = silentLogger): Promise<BrokerServer> {
  const server = await startBrokerServer({
    port: 0,
    partitions: 2,
    topics: ["t"],
    storage,
    logger,
  });
  const sub = await Subscriber.connect({
    broker: { host: "127.0.0.1", port: server.addr.port },
    topic: "t",
    group: "g",
    memberKey: "c1/0",
  });
  await waitUntil("the member owns both partitions", () => sub.assigned.length === 2, 30_000);
  await sub.close();
  return server;
}

function ownershipOf(server: BrokerServer): OwnershipState | undefined {
  return server.core.topics.get("t")?.groups.get("g")?.ownership();
}

/** Opens the broker's storage under `dir`, runs `fn`, closes it. */
async function onStorage<T>(
  dir: string,
  fn: (storage: BrokerStorage) => Promise<T>,
  logger: Logger = silentLogger,
): Promise<T> {
  const storage = await BrokerStorage.open({ dir: join(dir, "broker"), logger });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

Deno.test("a broker on files gives a restarted group its partitions' home member and generations back", async () => {
  await withDir(async (dir) => {
    const before = await onStorage(dir, async (storage) => {
      const server = await ownedBroker(storage);
      await server.close();
      return ownershipOf(server)!;
    });
    assert.deepEqual(before.home, ["c1/0", "c1/0"]);
    assert.ok(before.generations.every((g) => g >= 1), "each partition was assigned");
    const saved = JSON.parse(await Deno.readTextFile(join(dir, "broker", OWNERSHIP_FILE_NAME)));
    assert.deepEqual(saved, { t: { g: before } });
    const after = await onStorage(dir, async (storage) => {
      await using server = await startBrokerServer({ port: 0, partitions: 2, storage });
      return ownershipOf(server);
    });
    assert.deepEqual(after, before);
  });
});

Deno.test("an unreadable ownership.json is logged and the broker assigns afresh, its group offsets kept", async () => {
  await withDir(async (dir) => {
    await onStorage(dir, async (storage) => (await ownedBroker(storage)).close());
    await Deno.writeTextFile(join(dir, "broker", OWNERSHIP_FILE_NAME), "{not json");
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => void lines.push(line) });
    const after = await onStorage(dir, async (storage) => {
      await using server = await startBrokerServer({ port: 0, partitions: 2, storage, logger });
      return ownershipOf(server);
    }, logger);
    assert.deepEqual(after, { home: [null, null], generations: [0, 0] }, "the group is back");
    const warned = lines.filter((l) => l.includes("ownership.json unreadable"));
    assert.equal(warned.length, 1, lines.join("\n"));
    assert.match(warned[0], /partitions are assigned afresh \(no data is affected\)/);
  });
});

Deno.test("a broker in memory saves no ownership: a restart has no group to give back", async () => {
  const server = await ownedBroker();
  await server.close();
  assert.deepEqual(ownershipOf(server)?.home, ["c1/0", "c1/0"]);
  await using again = await startBrokerServer({ port: 0, partitions: 2, topics: ["t"] });
  assert.equal(ownershipOf(again), undefined);
});

Deno.test("the memory store restores no ownership and the file store the one it saved", async () => {
  await withDir(async (dir) => {
    const core = () => {
      const c = new BrokerCore({ clock: new ManualClock(1_000), partitions: 2 });
      c.restoreGroup("t", "g", [0, 0]);
      return c;
    };
    const owned = core();
    owned.restoreOwnership("t", "g", OWNED);
    const memory = new DurableLog(owned, new MemoryLogStore());
    await memory.saveOwnership();
    const fresh = core();
    await new DurableLog(fresh, logStoreOn(undefined, silentLogger)).restoreOwnership();
    assert.deepEqual(fresh.topics.get("t")!.groups.get("g")!.ownership(), {
      home: [null, null],
      generations: [0, 0],
    });
    await onStorage(dir, async (storage) => {
      await new DurableLog(owned, logStoreOn(storage, silentLogger)).saveOwnership();
      const back = core();
      await new DurableLog(back, logStoreOn(storage, silentLogger)).restoreOwnership();
      assert.deepEqual(back.topics.get("t")!.groups.get("g")!.ownership(), OWNED);
    });
  });
});

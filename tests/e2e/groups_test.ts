import assert from "node:assert/strict";
import { CollectorStore } from "../../src/collect/store.ts";
import {
  getJson,
  Gputel,
  jsonlLines,
  startRole,
  streamOnce,
  waitUntil,
  writeExportShaped,
} from "./_harness.ts";
import { withDir } from "../_helpers.ts";

interface Ports {
  port: number;
  admin: number;
}

async function startBroker(dataDir: string): Promise<{ ports: Ports; proc: Gputel }> {
  const { proc, tcp, admin } = await startRole(
    ["broker", "--data-dir", dataDir, "--session-timeout", "2s"],
    ["tcp", "admin"],
  );
  return { ports: { port: tcp, admin }, proc };
}

function startCollector(ports: Ports, group: string, dir: string, id: string) {
  return startRole([
    ...["collect", "--broker", `127.0.0.1:${ports.port}`, "--group", group],
    ...["--data-dir", dir, "--id", id, "--workers", "1"],
  ], ["api"]);
}

/**
 * Waits up to 90 s for `check`. A timeout says what the broker's groups and
 * the collectors' counters looked like. (Under load the split once stalled:
 * members pinged every 2 s against this broker's 2 s session timeout, so
 * their deliveries' leases had often ended on arrival — `leaseExpired` —
 * and every redelivery an ack timeout later too. Members now ping at a
 * quarter of the session timeout.)
 */
async function waitStored(
  what: string,
  admin: number,
  check: () => Promise<boolean>,
  apis: readonly number[] = [],
) {
  await waitUntil(what, check, 90_000).catch(async (err) => {
    const stats = await getJson(`http://127.0.0.1:${admin}/stats`).catch((e) => String(e));
    const collectors = await Promise.all(
      apis.map((api) => getJson(`http://127.0.0.1:${api}/stats`).catch((e) => String(e))),
    );
    throw new Error(
      `${err.message}; broker /stats: ${JSON.stringify(stats)}; collectors' /stats: ${
        JSON.stringify(collectors)
      }`,
    );
  });
}

async function groupMembers(admin: number, group: string): Promise<number> {
  const stats = await getJson<{ topics: { groups: { name: string; members: unknown[] }[] }[] }>(
    `http://127.0.0.1:${admin}/stats`,
  );
  return stats.topics.flatMap((t) => t.groups).find((g) => g.name === group)?.members.length ?? 0;
}

Deno.test({
  name:
    "two collectors in group A split the export-shaped file with no overlap; group B's collector gets all",
  fn: () =>
    withDir(async (root) => {
      const csv = await writeExportShaped(`${root}/export.csv`);
      const { ports, proc: broker } = await startBroker(root);
      await using _b = broker;
      const a1 = await startCollector(ports, "A", `${root}/a1`, "a1");
      await using _a1 = a1.proc;
      const a2 = await startCollector(ports, "A", `${root}/a2`, "a2");
      await using _a2 = a2.proc;
      const b1 = await startCollector(ports, "B", `${root}/b1`, "b1");
      await using _b1 = b1.proc;
      const apis = [a1.api, a2.api, b1.api];
      await waitUntil(
        "group A has 2 members",
        async () => (await groupMembers(ports.admin, "A")) === 2,
      );
      await waitUntil(
        "group B has 1 member",
        async () => (await groupMembers(ports.admin, "B")) === 1,
      );

      await streamOnce(csv, ports.port);

      await waitStored(
        "group A stored 2,470",
        ports.admin,
        async () =>
          (await jsonlLines(`${root}/a1`)).length + (await jsonlLines(`${root}/a2`)).length >= 2470,
        apis,
      );
      await waitStored(
        "group B stored 2,470",
        ports.admin,
        async () => (await jsonlLines(`${root}/b1`)).length >= 2470,
        apis,
      );
      const l1 = await jsonlLines(`${root}/a1`);
      const l2 = await jsonlLines(`${root}/a2`);
      const lb = await jsonlLines(`${root}/b1`);
      assert.equal(l1.length + l2.length, 2470);
      assert.ok(l1.length > 0 && l2.length > 0, `split ${l1.length}/${l2.length}`);
      const s1 = new Set(l1);
      assert.equal(
        l2.filter((l) => s1.has(l)).length,
        0,
        "no record in both collectors of group A",
      );
      assert.equal(new Set([...l1, ...l2]).size, 2470);
      assert.equal(lb.length, 2470);
      assert.deepEqual(new Set(lb), new Set([...l1, ...l2]));
    }),
});

Deno.test({
  name: "SIGKILL of one collector mid-stream: the other takes over and the union holds all 2,470",
  fn: () =>
    withDir(async (root) => {
      const csv = await writeExportShaped(`${root}/export.csv`);
      const { ports, proc: broker } = await startBroker(root);
      await using _b = broker;
      const k1 = await startCollector(ports, "K", `${root}/k1`, "k1");
      await using _k1 = k1.proc;
      await using _k2 = (await startCollector(ports, "K", `${root}/k2`, "k2")).proc;
      await waitUntil(
        "group K has 2 members",
        async () => (await groupMembers(ports.admin, "K")) === 2,
      );

      const stream = new Gputel([
        "stream",
        "--csv",
        csv,
        "--rate",
        "500",
        "--workers",
        "1",
        "--no-loop",
        "--broker",
        `127.0.0.1:${ports.port}`,
      ]);
      let streaming = true;
      stream.wait().then(() => (streaming = false));
      await waitUntil(
        "k1 to store its first lines",
        async () => (await jsonlLines(`${root}/k1`)).length > 0,
      );
      assert.ok(streaming, "the kill must land mid-stream");
      k1.proc.kill("SIGKILL");
      const killedHad = (await jsonlLines(`${root}/k1`)).length;
      const { code, output } = await stream.wait();
      assert.equal(code, 0, output);
      assert.ok(killedHad > 0 && killedHad < 2470, `killed collector had stored ${killedHad}`);

      // The killed collector's last acknowledged rounds are in its journal until
      // its dir is opened again: recover it as its restart would.
      await k1.proc.wait();
      await (await CollectorStore.open({ dir: `${root}/k1/k1` })).close();
      const union = async () =>
        new Set([...await jsonlLines(`${root}/k1`), ...await jsonlLines(`${root}/k2`)]);
      await waitStored(
        "the union holds 2,470 distinct records",
        ports.admin,
        async () => (await union()).size >= 2470,
      );
      assert.equal((await union()).size, 2470);
      const stats = await getJson<
        { topics: { groups: { name: string; counters: { redelivered: number } }[] }[] }
      >(
        `http://127.0.0.1:${ports.admin}/stats`,
      );
      const k = stats.topics.flatMap((t) => t.groups).find((g) => g.name === "K")!;
      const total = (await jsonlLines(`${root}/k1`)).length +
        (await jsonlLines(`${root}/k2`)).length;
      // Duplicates can only come from what was redelivered after the kill.
      assert.ok(
        total - 2470 <= k.counters.redelivered,
        `${total - 2470} duplicates, ${k.counters.redelivered} redelivered`,
      );
    }),
});

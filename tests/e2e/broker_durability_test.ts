import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeIndex, segmentName } from "../../src/broker/store/segment.ts";
import { RECORD_HEADER_BYTES } from "../../src/broker/store/record.ts";
import {
  getJson,
  jsonlLines,
  startRole,
  streamOnce,
  waitUntil,
  writeExportShaped,
} from "./_harness.ts";

function startBroker(dir: string) {
  return startRole(["broker", "--data-dir", dir], ["tcp", "admin"]);
}

/** Streams the export-shaped file once with confirms into a broker on `dir`, then SIGKILLs the broker. */
async function streamThenKill(dir: string): Promise<void> {
  const csv = await writeExportShaped(`${dir}.csv`);
  const { proc: b, tcp: port } = await startBroker(dir);
  assert.match(await streamOnce(csv, port, ["--batch", "50"]), /confirmed=2470/);
  b.kill("SIGKILL");
  await b.wait();
}

interface StorageStats {
  storage: {
    recoveredTruncatedBytes: number;
    recoveredCorruptRanges: number;
    corruptReads: number;
  };
}

interface GroupStats {
  topics: { groups: { name: string; lag: number; in_flight: number }[] }[];
}

/**
 * Restarts the broker on `root/b`, consumes all it has with a new group into
 * a collector on `root/c`, and checks that exactly `want` records arrive:
 * once the group has drained, the collector has stored `want` and no more.
 */
async function consumeAfterRestart(root: string, want: number): Promise<StorageStats> {
  const b = await startBroker(join(root, "b"));
  await using _b = b.proc;
  const c = await startRole([
    ...["collect", "--data-dir", join(root, "c"), "--broker", `127.0.0.1:${b.tcp}`],
    ...["--group", "after-restart"],
  ], ["api"]);
  await using _collector = c.proc;
  await waitUntil(`${want} stored lines`, async () => {
    try {
      return (await jsonlLines(join(root, "c"))).length >= want;
    } catch {
      return false;
    }
  });
  await waitUntil("the group to drain", async () => {
    const stats = await getJson<GroupStats>(`http://127.0.0.1:${b.admin}/stats`);
    const group = stats.topics.flatMap((t) => t.groups).find((g) => g.name === "after-restart");
    return group !== undefined && group.lag === 0 && group.in_flight === 0;
  });
  const stored = await getJson<{ records_total: number }>(`http://127.0.0.1:${c.api}/stats`);
  assert.equal(stored.records_total, want);
  assert.equal((await jsonlLines(join(root, "c"))).length, want);
  assert.equal(new Set(await jsonlLines(join(root, "c"))).size, want);
  return await getJson<StorageStats>(`http://127.0.0.1:${b.admin}/stats`);
}

Deno.test({
  name:
    "confirmed messages survive SIGKILL of the broker: a new group after restart gets all 2,470",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "gputel-dur-" });
    await streamThenKill(join(root, "b"));
    await consumeAfterRestart(root, 2470);
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test({
  name:
    "random bytes appended to the newest segment after SIGKILL are cut; a new group still gets 2,470",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "gputel-dur-" });
    await streamThenKill(join(root, "b"));
    const log = join(root, "b", "broker", "topics", "telemetry", "0", `${segmentName(0)}.log`);
    const f = await Deno.open(log, { append: true });
    await f.write(crypto.getRandomValues(new Uint8Array(4096)));
    f.close();
    const stats = await consumeAfterRestart(root, 2470);
    assert.equal(stats.storage.recoveredTruncatedBytes, 4096);
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test({
  name:
    "a torn newest batch and a flipped byte in an older one: the broker starts, reports both, delivers the rest",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "gputel-dur-" });
    await streamThenKill(join(root, "b"));
    const pdir = join(root, "b", "broker", "topics", "telemetry", "0");
    const log = join(pdir, `${segmentName(0)}.log`);
    const size = (await Deno.stat(log)).size;
    const entries = decodeIndex(await Deno.readFile(join(pdir, `${segmentName(0)}.idx`)), 0, size);
    assert.ok(entries.length >= 3, `partition 0 has ${entries.length} batches`);
    const first = entries[0];
    const last = entries.at(-1)!;
    await Deno.truncate(log, last.position + RECORD_HEADER_BYTES + Math.floor(last.blobLength / 2));
    const bytes = await Deno.readFile(log);
    bytes[first.position + RECORD_HEADER_BYTES + 7] ^= 0xff;
    await Deno.writeFile(log, bytes);

    const stats = await consumeAfterRestart(root, 2470 - first.count - last.count);
    assert.ok(stats.storage.recoveredTruncatedBytes > 0, "the torn tail is reported");
    assert.equal(stats.storage.corruptReads, 1, "the corrupt batch is reported once");
    await Deno.remove(root, { recursive: true });
  },
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeIndex, segmentName } from "../../src/broker/store/segment.ts";
import { RECORD_HEADER_BYTES } from "../../src/broker/store/record.ts";
import {
  freePort,
  getJson,
  Gputel,
  jsonlLines,
  waitForHttp,
  waitUntil,
  writeExportShaped,
} from "./_harness.ts";

interface BrokerPorts {
  port: number;
  admin: number;
}

function broker(dir: string, ports: BrokerPorts, extra: string[] = []): Gputel {
  return new Gputel([
    "broker",
    "--data-dir",
    dir,
    "--port",
    String(ports.port),
    "--admin-port",
    String(ports.admin),
    ...extra,
  ]);
}

function collector(dir: string, ports: BrokerPorts, group: string): Gputel {
  return new Gputel([
    "collect",
    "--data-dir",
    dir,
    "--broker",
    `127.0.0.1:${ports.port}`,
    "--group",
    group,
    "--api-port",
    String(freePort()),
  ]);
}

/** Streams the export-shaped file once with confirms into a broker on `dir`, then SIGKILLs the broker. */
async function streamThenKill(dir: string, ports: BrokerPorts): Promise<void> {
  const csv = await writeExportShaped(`${dir}.csv`);
  const b = broker(dir, ports);
  await waitForHttp(`http://127.0.0.1:${ports.admin}/health`, b);
  const s = new Gputel([
    "stream",
    "--csv",
    csv,
    "--rate",
    "0",
    "--no-loop",
    "--batch",
    "50",
    "--broker",
    `127.0.0.1:${ports.port}`,
  ]);
  const { code, output } = await s.wait();
  assert.equal(code, 0, output);
  assert.match(output, /confirmed=2470/);
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

async function consumeAfterRestart(
  root: string,
  ports: BrokerPorts,
  want: number,
): Promise<StorageStats> {
  await using b = broker(join(root, "b"), ports);
  await waitForHttp(`http://127.0.0.1:${ports.admin}/health`, b);
  await using _collector = collector(join(root, "c"), ports, "after-restart");
  await waitUntil(`${want} stored lines`, async () => {
    try {
      return (await jsonlLines(join(root, "c"))).length >= want;
    } catch {
      return false;
    }
  });
  await new Promise((r) => setTimeout(r, 300)); // nothing more may arrive
  assert.equal((await jsonlLines(join(root, "c"))).length, want);
  assert.equal(new Set(await jsonlLines(join(root, "c"))).size, want);
  return await getJson<StorageStats>(`http://127.0.0.1:${ports.admin}/stats`);
}

Deno.test({
  name:
    "confirmed messages survive SIGKILL of the broker: a new group after restart gets all 2,470",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "gputel-dur-" });
    const ports = { port: freePort(), admin: freePort() };
    await streamThenKill(join(root, "b"), ports);
    await consumeAfterRestart(root, ports, 2470);
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test({
  name:
    "random bytes appended to the newest segment after SIGKILL are cut; a new group still gets 2,470",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "gputel-dur-" });
    const ports = { port: freePort(), admin: freePort() };
    await streamThenKill(join(root, "b"), ports);
    const log = join(root, "b", "broker", "topics", "telemetry", "0", `${segmentName(0)}.log`);
    const f = await Deno.open(log, { append: true });
    await f.write(crypto.getRandomValues(new Uint8Array(4096)));
    f.close();
    const stats = await consumeAfterRestart(root, ports, 2470);
    assert.equal(stats.storage.recoveredTruncatedBytes, 4096);
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test({
  name:
    "a torn newest batch and a flipped byte in an older one: the broker starts, reports both, delivers the rest",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "gputel-dur-" });
    const ports = { port: freePort(), admin: freePort() };
    await streamThenKill(join(root, "b"), ports);
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

    const stats = await consumeAfterRestart(root, ports, 2470 - first.count - last.count);
    assert.ok(stats.storage.recoveredTruncatedBytes > 0, "the torn tail is reported");
    assert.equal(stats.storage.corruptReads, 1, "the corrupt batch is reported once");
    await Deno.remove(root, { recursive: true });
  },
});

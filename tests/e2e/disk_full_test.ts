import assert from "node:assert/strict";
import { join } from "node:path";
import { Publisher } from "../../src/client/publisher.ts";
import { Subscriber } from "../../src/client/subscriber.ts";
import { consumeIds, getJson, startRole, waitUntil } from "./_harness.ts";

/** Mounts a small tmpfs, or explains why it cannot (not root, no mount permission). */
async function mountTmpfs(dir: string, size: string): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
    })
      .output();
    return out.success ? undefined : new TextDecoder().decode(out.stderr).trim();
  } catch (e) {
    return String(e);
  }
}

const TOTAL = 8_000; // × 256 bytes ≈ 2.2 MB on disk: more than fits beside the 1.5 MiB filler, less than 3 MiB

Deno.test("a broker whose disk fills refuses publishes, stays up, and resumes when space returns", async (t) => {
  const mnt = await Deno.makeTempDir({ prefix: "gputel-tmpfs-" });
  const why = await mountTmpfs(mnt, "3m");
  if (why !== undefined) {
    console.warn(`skipping the disk-full test: cannot mount a tmpfs here (${why})`);
    await Deno.remove(mnt);
    return;
  }
  try {
    const filler = join(mnt, "filler");
    await Deno.writeFile(filler, new Uint8Array(1536 * 1024));
    const started = await startRole(
      ["broker", "--data-dir", mnt, "--partitions", "2", "--segment-bytes", "256KiB"],
      ["tcp", "admin"],
    );
    await using _broker = started.proc;
    const { tcp: port, admin } = started;
    const addr = { host: "127.0.0.1", port };
    await using pub = await Publisher.connect({
      broker: addr,
      topic: "t",
      batchSize: 100,
      bufferMessages: 2000,
    });
    const payload = new Uint8Array(256).fill(0x63);
    const publishing = (async () => {
      for (let i = 0; i < TOTAL; i++) {
        new DataView(payload.buffer).setUint32(0, i);
        await pub.publish(`GPU-${i % 16}`, payload.slice());
      }
    })();
    const stats = () =>
      getJson<{ storage: { writeErrors: number } }>(`http://127.0.0.1:${admin}/stats`);
    await t.step("publishes are refused while the disk is full", async () => {
      await waitUntil("a refused write", async () => (await stats()).storage.writeErrors > 0);
      assert.ok(pub.counters.confirmed < TOTAL, "nothing unwritten was confirmed");
      const health = await fetch(`http://127.0.0.1:${admin}/health`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
    });
    await t.step(
      "publishing resumes once space is freed, and every message is stored once",
      async () => {
        await Deno.remove(filler);
        await publishing;
        await pub.flush();
        assert.equal(pub.counters.confirmed, TOTAL);
        await using sub = await Subscriber.connect({ broker: addr, topic: "t", group: "g" });
        const { counts: seen, distinct: received } = await consumeIds(sub, TOTAL);
        assert.equal(received, TOTAL, "every confirmed message arrives");
        assert.ok(seen.every((n) => n === 1), "each message exactly once");
      },
    );
  } finally {
    await new Deno.Command("umount", { args: ["-l", mnt] }).output();
    await Deno.remove(mnt, { recursive: true }).catch(() => {});
  }
});

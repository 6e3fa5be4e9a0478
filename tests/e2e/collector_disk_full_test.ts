import assert from "node:assert/strict";
import { join } from "node:path";
import { Publisher } from "../../src/client/publisher.ts";
import { getJson, jsonlLines, startRole, waitUntil } from "./_harness.ts";

/** Mounts a small tmpfs, or explains why it cannot (not root, no mount permission). */
async function mountTmpfs(dir: string, size: string): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
    }).output();
    return out.success ? undefined : new TextDecoder().decode(out.stderr).trim();
  } catch (e) {
    return String(e);
  }
}

const TOTAL = 6_000; // × ≈190-byte JSONL lines ≈ 1.1 MB: more than fits beside the filler
const enc = new TextEncoder();

interface Stats {
  topics: {
    name: string;
    groups: { name: string; lag: number; partitions: { committed: number }[] }[];
  }[];
}

Deno.test("a collector whose disk fills acks nothing unwritten, stays up, and catches up once space returns", async (t) => {
  const mnt = await Deno.makeTempDir({ prefix: "gputel-ctmpfs-" });
  const why = await mountTmpfs(mnt, "4m");
  if (why !== undefined) {
    console.warn(`skipping the collector disk-full test: cannot mount a tmpfs here (${why})`);
    await Deno.remove(mnt);
    return;
  }
  const root = await Deno.makeTempDir({ prefix: "gputel-cfull-" });
  try {
    const b = await startRole([
      ...["broker", "--data-dir", join(root, "b")],
      ...["--ack-timeout", "1s", "--max-deliveries", "1000"],
    ], ["tcp", "admin"]);
    await using _broker = b.proc;
    const { tcp: port, admin } = b;
    const c = await startRole(
      ["collect", "--data-dir", mnt, "--broker", `127.0.0.1:${port}`],
      ["api"],
    );
    await using collector = c.proc;
    const { api } = c;
    // Leave about 400 KiB free: the checkpoint and some lines fit, the rest does not.
    const free = async () => {
      const out = await new Deno.Command("df", { args: ["-B1", "--output=avail", mnt] }).output();
      return Number(new TextDecoder().decode(out.stdout).split("\n")[1].trim());
    };
    const filler = join(mnt, "filler");
    await Deno.writeFile(filler, new Uint8Array(Math.max(0, (await free()) - 400 * 1024)));

    await using pub = await Publisher.connect({
      broker: { host: "127.0.0.1", port },
      topic: "telemetry",
      batchSize: 100,
    });
    for (let i = 0; i < TOTAL; i++) {
      const message = {
        timestamp: new Date().toISOString(),
        fields: { uuid: `GPU-${i % 40}`, seq: i },
      };
      await pub.publish(`GPU-${i % 40}`, enc.encode(JSON.stringify(message)));
    }
    await pub.flush();
    const committed = async () => {
      const s = await getJson<Stats>(`http://127.0.0.1:${admin}/stats`);
      const g = s.topics.find((x) => x.name === "telemetry")!.groups[0];
      return { acked: g.partitions.reduce((n, p) => n + p.committed, 0), lag: g.lag };
    };
    const failures = async () =>
      (await getJson<{ collector: { writeFailures: number } }>(`http://127.0.0.1:${api}/stats`))
        .collector.writeFailures;

    // Stored: in the journal (acknowledged rounds) or already in the JSONL files.
    const stored = async () =>
      (await getJson<{ records_total: number }>(`http://127.0.0.1:${api}/stats`)).records_total;

    await t.step("writes fail, nothing unwritten is acked, the collector stays up", async () => {
      await waitUntil("a failed write", async () => (await failures()) > 0);
      const { acked, lag } = await committed();
      const records = await stored();
      assert.ok(records < TOTAL, `${records} records stored`);
      assert.ok(acked <= records, `acked ${acked} > stored ${records}`);
      assert.ok(lag > 0);
      const health = await fetch(`http://127.0.0.1:${api}/health`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
    });

    await t.step(
      "after space is freed every message is stored exactly once and acked",
      async () => {
        await Deno.remove(filler);
        await waitUntil(
          `${TOTAL} stored lines`,
          async () => (await jsonlLines(mnt)).length >= TOTAL,
          60_000,
        );
        await waitUntil("everything acked", async () => (await committed()).lag === 0);
        const seqs = (await jsonlLines(mnt)).map((l) => JSON.parse(l).metrics.seq as number);
        assert.equal(seqs.length, TOTAL);
        assert.equal(new Set(seqs).size, TOTAL);
        assert.equal((await committed()).acked, TOTAL);
      },
    );
    collector.kill("SIGTERM");
    assert.equal((await collector.wait()).code, 0);
  } finally {
    await new Deno.Command("umount", { args: ["-l", mnt] }).output();
    await Deno.remove(mnt, { recursive: true }).catch(() => {});
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});

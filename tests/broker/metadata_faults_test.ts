import assert from "node:assert/strict";
import { join } from "node:path";
import { MetadataError } from "../../src/broker/store/metadata.ts";
import { RECORD_HEADER_BYTES } from "../../src/broker/store/record.ts";
import { decodeIndex, type IndexEntry, segmentName } from "../../src/broker/store/segment.ts";
import { LogRig } from "./_log_rig.ts";

async function withRig(fn: (rig: LogRig) => Promise<void>, segmentBytes?: number) {
  const dir = await Deno.makeTempDir({ prefix: "gputel-meta-" });
  try {
    await fn(new LogRig(dir, segmentBytes ? { segmentBytes } : {}));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The segments of a partition: base, and its index entries. */
async function segments(pdir: string): Promise<{ base: number; entries: IndexEntry[] }[]> {
  const out: { base: number; entries: IndexEntry[] }[] = [];
  for await (const e of Deno.readDir(pdir)) {
    const m = /^(\d{20})\.log$/.exec(e.name);
    if (!m) continue;
    const base = Number(m[1]);
    const size = (await Deno.stat(join(pdir, e.name))).size;
    const idx = await Deno.readFile(join(pdir, `${segmentName(base)}.idx`));
    out.push({ base, entries: decodeIndex(idx, base, size) });
  }
  return out.sort((a, b) => a.base - b.base);
}

/** 300 ids in several 1 KiB segments, with a group "idle" that consumed none; stopped cleanly. */
async function threeSegments(rig: LogRig) {
  await rig.start();
  await rig.consume("idle", 0);
  const ids = await rig.publish(300);
  await rig.stop();
  const segs = await segments(rig.pdir());
  assert.ok(segs.length >= 3, `${segs.length} segments`);
  return { ids, segs };
}

Deno.test("a lost log tail: the partition starts a new epoch, no offset is reused, the loss is counted per partition and group", async () => {
  await withRig(async (rig) => {
    await rig.start();
    await rig.consume("late", 0); // a group that consumed nothing
    const first = await rig.publish(600);
    await rig.consume("collectors", 600);
    await rig.crash();
    // What --fsync interval|never allows on power loss: the newest 5 batches gone.
    const [seg] = await segments(rig.pdir());
    const cut = seg.entries.find((e) => e.baseOffset === 550)!;
    const log = await Deno.open(join(rig.pdir(), `${segmentName(0)}.log`), { write: true });
    await log.truncate(cut.position);
    log.close();

    await rig.start();
    assert.deepEqual(rig.losses(), {
      partition: [50],
      epoch: [1],
      group: { late: 50, collectors: 0 },
    });
    assert.ok(rig.lines.some((l) => /messages lost from the log.*offsets=550\.\.599/.test(l)));
    assert.ok(rig.lines.some((l) => /group lost.*group=late.*messages=50/.test(l)));
    const next = await rig.publish(100);
    assert.ok(rig.server.core.log("t", 0).endOffset >= 600 + 100, "offsets past 599 only");
    await rig.consume("collectors", 100);
    rig.assertStoredOnce([...first, ...next]);
    // The next clean restart keeps the epoch and finds nothing new lost.
    await rig.stop();
    await rig.start();
    assert.deepEqual(rig.losses().partition, [0]);
    assert.deepEqual(rig.losses().epoch, [1]);
    await rig.stop();
  });
});

Deno.test("a garbage topic.json is rebuilt from the partition directories; nothing confirmed is lost or doubled", async () => {
  await withRig(async (rig) => {
    await rig.start();
    const first = await rig.publish(300);
    await rig.stop();
    await Deno.writeTextFile(join(rig.brokerDir, "topics", "t", "topic.json"), '{"partit');
    await rig.start();
    assert.ok(rig.lines.some((l) => /topic\.json was unreadable: rebuilt/.test(l)));
    assert.equal(rig.server.core.topics.get("t")!.logs.length, 1);
    assert.equal(rig.server.core.log("t", 0).endOffset, 300);
    const next = await rig.publish(100);
    await rig.stop();
    await rig.start(); // the rebuilt file holds: the 100 are not cut as a "torn tail"
    await rig.consume("fresh", 400);
    rig.assertStoredOnce([...first, ...next]);
    assert.deepEqual(rig.losses().partition, [0]);
    assert.equal(rig.storage.counters.recoveredTruncatedBytes, 0);
    await rig.stop();
  });
});

Deno.test("lost broker.id and groups.json: the identity is rebuilt from its copies, redeliveries are skipped, nothing doubled", async () => {
  await withRig(async (rig) => {
    await rig.start();
    const id = rig.storage.id;
    const first = await rig.publish(300);
    await rig.consume("collectors", 300);
    await rig.stop();
    await Deno.remove(join(rig.brokerDir, "broker.id"));
    await Deno.remove(join(rig.brokerDir, "groups.json"));
    await rig.start();
    assert.equal(rig.storage.id, id, "same identity: collectors recognise what they stored");
    assert.ok(rig.lines.some((l) => /broker\.id was missing: rebuilt/.test(l)));
    await rig.consume("collectors", 300); // the group restarts from the oldest message
    const next = await rig.publish(100);
    await rig.consume("collectors", 100);
    rig.assertStoredOnce([...first, ...next]);
    await rig.stop();
  });
});

Deno.test("broker.id lost with no copy, or groups.json unreadable: the broker refuses to start, naming the file and --repair-metadata", async () => {
  await withRig(async (rig) => {
    await rig.start();
    const id = rig.storage.id;
    await rig.publish(20);
    await rig.consume("g", 20);
    await rig.stop();
    await Deno.writeTextFile(join(rig.brokerDir, "groups.json"), "{not json");
    await assert.rejects(
      rig.start(),
      (e) =>
        e instanceof MetadataError &&
        /groups\.json is unreadable: start with --repair-metadata to restart every group/.test(
          e.message,
        ),
    );
    await Deno.remove(join(rig.brokerDir, "groups.json"));
    // Only segments left: no identity copy anywhere.
    await Deno.remove(join(rig.brokerDir, "broker.id"));
    await Deno.writeTextFile(join(rig.brokerDir, "topics", "t", "topic.json"), "garbage");
    await Deno.remove(join(rig.pdir(), "hw"));
    await assert.rejects(
      rig.start(),
      (e) =>
        e instanceof MetadataError &&
        /broker\.id is missing and no copy of the identity is recorded beside the segments: start with --repair-metadata/
          .test(e.message),
    );
    await assert.rejects(Deno.stat(join(rig.brokerDir, "broker.id")), "no identity taken");
    await rig.start({ repairMetadata: true });
    assert.notEqual(rig.storage.id, id);
    assert.ok(rig.lines.some((l) => /took a new identity \(--repair-metadata\)/.test(l)));
    assert.equal(rig.server.core.log("t", 0).endOffset, 20, "the segments are kept");
    await rig.stop();
  });
});

Deno.test("the oldest segment cut in half: the lost batches are counted exactly, per partition and group, the rest delivered once", async () => {
  await withRig(async (rig) => {
    const { ids, segs } = await threeSegments(rig);
    const logPath = join(rig.pdir(), `${segmentName(segs[0].base)}.log`);
    const half = Math.floor((await Deno.stat(logPath)).size / 2);
    const kept = segs[0].entries.filter((e) =>
      e.position + RECORD_HEADER_BYTES + e.blobLength <= half
    );
    const lostFrom = kept.at(-1)!.baseOffset + kept.at(-1)!.count;
    const lostTo = segs[1].base;
    const f = await Deno.open(logPath, { write: true });
    await f.truncate(half);
    f.close();

    await rig.start();
    const lost = lostTo - lostFrom;
    assert.ok(lost > 0);
    assert.deepEqual(rig.losses(), { partition: [lost], epoch: [0], group: { idle: lost } });
    assert.equal(rig.storage.counters.lostMessages, lost);
    assert.ok(
      rig.lines.some((l) => l.includes(`offsets=${lostFrom}..${lostTo - 1}`)),
      rig.lines.join("\n"),
    );
    await rig.consume("fresh", 300 - lost);
    rig.assertStoredOnce(ids.filter((id) => id < lostFrom || id >= lostTo));
    await rig.stop();
  }, 1024);
});

Deno.test("a deleted middle segment: its messages are counted lost with their range, the rest delivered once", async () => {
  await withRig(async (rig) => {
    const { ids, segs } = await threeSegments(rig);
    const [from, to] = [segs[1].base, segs[2].base];
    await Deno.remove(join(rig.pdir(), `${segmentName(from)}.log`));
    await Deno.remove(join(rig.pdir(), `${segmentName(from)}.idx`));

    await rig.start();
    assert.deepEqual(rig.losses(), {
      partition: [to - from],
      epoch: [0],
      group: { idle: to - from },
    });
    assert.ok(rig.lines.some((l) => l.includes(`offsets=${from}..${to - 1}`)));
    await rig.consume("idle", 300 - (to - from));
    rig.assertStoredOnce(ids.filter((id) => id < from || id >= to));
    const idle = rig.server.core.topics.get("t")!.groups.get("idle")!;
    assert.equal(idle.counters.dropped, 0, "the loss is counted once, as lost_messages");
    await rig.stop();
  }, 1024);
});

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { DataDirView } from "../../src/query/data_dir_view.ts";
import { lockDir } from "../../src/collect/dir_lock.ts";

Deno.test("gputel api's view shows every acked row of a SIGKILLed collector from its journal, without its lock", async () => {
  const root = await Deno.makeTempDir({ prefix: "gputel_tail_" });
  const dir = `${root}/c1`;
  try {
    // A collector that never checkpoints after opening: its acked rounds are only in its journal.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        new URL("../collect/_store_child.ts", import.meta.url).pathname,
        "write",
        dir,
        "0",
        "100000",
        "3600000",
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    let acked = 0;
    let buffer = "";
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    while (acked < 350) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const line of parts) {
        if (line.startsWith("acked ")) acked = Number(line.slice(6));
      }
    }
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel().catch(() => {});
    assert(acked >= 350, `acked ${acked}`);

    await using view = new DataDirView({ dataDir: root, minRefreshMs: 0 });
    await view.refresh();
    const reader2 = view.reader()!;
    const stats = reader2.stats();
    assertEquals(stats.records_total, 0, "the files hold nothing: no checkpoint after open");
    assert(stats.journal_tail_records >= acked, `journal tail ${stats.journal_tail_records}`);
    const seqs: number[] = [];
    for (const gpu of reader2.listGpus().gpus) {
      let cursor: string | undefined;
      do {
        const page = await reader2.telemetry({ gpuId: gpu.id, limit: 97, cursor });
        seqs.push(...page.data.map((r) => r.metrics.seq as number));
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined);
    }
    seqs.sort((a, b) => a - b);
    // Every acked offset once; past it only what the kill left whole in the journal.
    assertEquals(seqs.slice(0, acked), Array.from({ length: acked }, (_, i) => i));
    assertEquals(new Set(seqs).size, seqs.length);
    assertEquals(seqs.at(-1), seqs.length - 1);
    // The view took no lock: the dir can be locked (a restart) while it is open.
    const lock = await lockDir(dir);
    lock.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

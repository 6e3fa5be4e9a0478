/**
 * A child process for the store tests.
 *
 * - `hold DIR`: opens a store on DIR, prints `held`, and closes it when stdin closes.
 * - `write DIR FROM TO [CHECKPOINT_MS]`: stores offsets FROM..TO of partition 0 in
 *   batches of 7 over 5 GPUs, printing `recovered BYTES FILES ENTRIES INDEXED`
 *   (what recovery cut, replayed, and took from the time index snapshot at open), then `acked N` after each batch (N =
 *   next offset), then `done`. It checkpoints every CHECKPOINT_MS (default 5)
 *   ms and writes a time index snapshot every 2 ms, so kills land in
 *   checkpoints and in snapshot writes too.
 *
 * @module
 */

import { CollectorStore } from "../../src/collect/store.ts";
import { batch, messages } from "./_store_helpers.ts";

const [mode, dir, from, to, checkpointMs = "5"] = Deno.args;
// Widen the crash window between a checkpoint's file writes and its commit,
// so a SIGKILL from the test often lands inside it.
const commit = Deno.AtomicOperation.prototype.commit;
Deno.AtomicOperation.prototype.commit = async function (this: Deno.AtomicOperation) {
  await new Promise((resolve) => setTimeout(resolve, 3));
  return await commit.call(this);
};
// Widen the window between a time index snapshot's write and its rename too.
const rename = Deno.rename;
Object.defineProperty(Deno, "rename", {
  value: async (from: string | URL, to: string | URL) => {
    if (String(from).endsWith(".tmp")) await new Promise((resolve) => setTimeout(resolve, 4));
    return await rename(from, to);
  },
});
const store = await CollectorStore.open({
  dir,
  checkpointMs: Number(checkpointMs),
  indexSnapshotMs: 2,
});
const encoder = new TextEncoder();
if (mode === "hold") {
  await Deno.stdout.write(encoder.encode("held\n"));
  for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
} else {
  const stats = store.stats();
  const recovered = [
    stats.recovered_truncated_bytes,
    stats.recovered_removed_files,
    stats.recovered_journal_entries,
    stats.recovered_index_bytes,
  ];
  await Deno.stdout.write(encoder.encode(`recovered ${recovered.join(" ")}\n`));
  const end = Number(to);
  for (let offset = Number(from); offset < end; offset += 7) {
    const next = Math.min(offset + 7, end);
    await store.write(batch(messages(offset, next, (o) => `GPU-${o % 5}`)));
    await Deno.stdout.write(encoder.encode(`acked ${next}\n`));
  }
  await Deno.stdout.write(encoder.encode("done\n"));
}
await store.close();

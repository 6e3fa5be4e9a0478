/**
 * A child process for the store's crash tests. It stores a first round of
 * partitions 0 and 1 (offsets 0..20 each, over 4 GPUs), checkpoints it,
 * prints `round1`, starts a second round (offsets 20..40), and dies, by mode:
 *
 * - `acked DIR`: right after the second round resolved (acknowledged), before
 *   any checkpoint wrote its lines to the GPU files.
 * - `checkpoint DIR`: in the middle of the checkpoint of the second round:
 *   the files are written and fdatasynced, the Deno KV commit not made.
 * - `torn DIR`: in the middle of the second round's journal append, half of
 *   the entry written.
 * - `split DIR`: with 600 GPUs (one line per GPU per round, partition 0
 *   only), at the second of the two KV commits the checkpoint of the second
 *   round needs: the first recorded 500 files' sizes, not the generation.
 *
 * @module
 */

import { CollectorStore } from "../../src/collect/store.ts";
import { batch, messages } from "./_store_helpers.ts";

const [mode, dir] = Deno.args;
const store = await CollectorStore.open({ dir, checkpointMs: 3_600_000 });
const keyOf = mode === "split" ? (o: number) => `gpu-${o % 600}` : (o: number) => `GPU-${o % 4}`;
const round = (from: number, to: number) =>
  mode === "split"
    ? [batch(messages(from * 30, to * 30, keyOf), 0)]
    : [batch(messages(from, to, keyOf), 0), batch(messages(from, to, keyOf), 1)];
await store.writeMany(round(0, 20));
await store.checkpoint();
await Deno.stdout.write(new TextEncoder().encode("round1\n"));
if (mode === "torn") {
  const write = Deno.FsFile.prototype.write;
  Deno.FsFile.prototype.write = async function (this: Deno.FsFile, bytes: Uint8Array) {
    await write.call(this, bytes.subarray(0, bytes.length >> 1));
    Deno.exit(9);
  };
}
await store.writeMany(round(20, 40));
if (mode === "acked") Deno.exit(9);
let commits = 0;
const commit = Deno.AtomicOperation.prototype.commit;
Deno.AtomicOperation.prototype.commit = function (this: Deno.AtomicOperation) {
  if (mode === "checkpoint" || ++commits === 2) Deno.exit(9);
  return commit.call(this);
};
await store.checkpoint();

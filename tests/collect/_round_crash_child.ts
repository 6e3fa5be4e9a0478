/**
 * A child process for the writeMany crash test: `DIR` stores a first round
 * (partitions 0 and 1, offsets 0..20 each, over 4 GPUs), prints `round1`,
 * then starts a second round (offsets 20..40) and dies in the middle of it:
 * after its lines are appended and fdatasynced, before its checkpoint commit.
 *
 * @module
 */

import { CollectorStore } from "../../src/collect/store.ts";
import { batch, messages } from "./_store_helpers.ts";

const [dir] = Deno.args;
const keyOf = (o: number) => `GPU-${o % 4}`;
const store = await CollectorStore.open({ dir });
await store.writeMany([batch(messages(0, 20, keyOf), 0), batch(messages(0, 20, keyOf), 1)]);
await Deno.stdout.write(new TextEncoder().encode("round1\n"));
// The crash: the process dies where the next commit would be made.
Deno.AtomicOperation.prototype.commit = () => Deno.exit(9);
await store.writeMany([batch(messages(20, 40, keyOf), 0), batch(messages(20, 40, keyOf), 1)]);

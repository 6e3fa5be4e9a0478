import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Source, SourceDelivery } from "../../src/client/source.ts";
import { startCollectRole } from "../../src/roles/collect.ts";
import { silentLogger } from "../../src/obs/log.ts";
import { messages } from "../collect/_store_helpers.ts";
import { waitUntil } from "../_helpers.ts";

/** A Source fed by the test: hands out the given deliveries, records acks and nacks. */
class ScriptedSource implements Source {
  readonly counters = { deliveries: 0 };
  readonly assigned: readonly number[] = [];
  readonly acked: SourceDelivery[] = [];
  readonly nacked: number[] = [];
  #queue: SourceDelivery[];
  #closed = Promise.withResolvers<void>();

  constructor(deliveries: SourceDelivery[]) {
    this.#queue = deliveries;
  }

  async *deliveries(): AsyncGenerator<SourceDelivery> {
    for (const d of this.#queue) {
      this.counters.deliveries++;
      yield d;
    }
    await this.#closed.promise;
  }

  ackDelivery(d: SourceDelivery): void {
    this.acked.push(d);
  }

  nackMessage(_d: SourceDelivery, offset: number): void {
    this.nacked.push(offset);
  }

  close(): Promise<void> {
    this.#closed.resolve();
    return Promise.resolve();
  }
}

function delivery(source: string, from: number, to: number): SourceDelivery {
  const list = messages(from, to, (o) => `GPU-${o % 3}`);
  return { partition: 0, attempt: 1, first: from, end: to, source, origin: "log", messages: list };
}

/** Starts the collect role on a scripted Source (no broker behind it). */
function startScripted(dataDir: string, source: ScriptedSource) {
  return startCollectRole({
    dataDir,
    id: "c1",
    apiPort: 0,
    workers: 1,
    broker: { host: "127.0.0.1", port: 1 },
    connect: () => Promise.resolve(source),
    logger: silentLogger,
  });
}

Deno.test("the collect role stores and acks what any Source delivers, keeping positions per source", async () => {
  const dataDir = await Deno.makeTempDir();
  const bad = delivery("s1", 10, 11);
  const invalid = { ...bad, messages: [{ ...bad.messages[0], payload: new Uint8Array([1]) }] };
  // Offsets 0..4 under a second source are not skipped although s1 stored up to 9.
  const deliveries = [delivery("s1", 0, 10), delivery("s2", 0, 5), invalid];
  const source = new ScriptedSource(deliveries);
  const role = await startScripted(dataDir, source);
  try {
    await waitUntil(
      "every delivery acked",
      () => source.acked.length >= deliveries.length,
      30_000,
      20,
    );
    assertEquals(source.acked, deliveries);
    assertEquals(source.nacked, [10]);
    assertEquals(role.counters.stored, 15);
    assertEquals(role.counters.invalid, 1);
  } finally {
    await role.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a delivery whose lease ended is neither written nor acked, and later ones of its partition wait behind it", async () => {
  const dataDir = await Deno.makeTempDir();
  const expired = { ...delivery("s1", 0, 10), lease: { valid: () => false } };
  const later = { ...delivery("s1", 10, 20), lease: { valid: () => true } };
  const redelivered = { ...delivery("s1", 0, 10), attempt: 2, lease: { valid: () => true } };
  const source = new ScriptedSource([expired, later, redelivered]);
  const role = await startScripted(dataDir, source);
  try {
    await waitUntil(
      "three deliveries and ten rows stored",
      () => source.counters.deliveries >= 3 && role.counters.stored >= 10,
      30_000,
      20,
    );
    // An ack of `later` would cover 0..9, which were never written: it is held back.
    assertEquals(source.acked, [redelivered]);
    assertEquals(role.counters.leaseExpired, 10);
    assertEquals(role.counters.heldBack, 10);
    assertEquals(role.counters.stored, 10);
  } finally {
    await role.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

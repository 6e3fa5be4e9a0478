import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Source, SourceDelivery } from "../../src/client/source.ts";
import { Collector } from "../../src/collect/collector.ts";
import { DEFAULT_COLLECTOR_WORKERS } from "../../src/collect/collector_options.ts";
import { silentLogger } from "../../src/obs/log.ts";
import { withDir } from "../_helpers.ts";

/** A group member that delivers nothing until it is closed. */
class IdleSource implements Source {
  readonly counters = {};
  readonly assigned: readonly number[] = [];
  readonly #closed = Promise.withResolvers<void>();

  async *deliveries(): AsyncGenerator<SourceDelivery> {
    await this.#closed.promise;
    yield* [];
  }

  ackDelivery(): void {}

  nackMessage(): void {}

  close(): Promise<void> {
    this.#closed.resolve();
    return Promise.resolve();
  }
}

/** Opens a collector on idle members, joins, and returns the member numbers it connected. */
async function joinedMembers(dataDir: string, workers?: number): Promise<number[]> {
  const connected: number[] = [];
  const collector = await Collector.open({
    dataDir,
    id: "c1",
    workers,
    connect: (i) => {
      connected.push(i);
      return Promise.resolve(new IdleSource());
    },
    logger: silentLogger,
  });
  try {
    await collector.join();
  } finally {
    await collector.close();
  }
  return connected;
}

Deno.test("a collector given no worker count joins its library default of group members", async () => {
  await withDir(async (dir) => {
    const all = Array.from({ length: DEFAULT_COLLECTOR_WORKERS }, (_, i) => i);
    assertEquals(await joinedMembers(`${dir}/a`), all);
    assertEquals(await joinedMembers(`${dir}/b`, 2), [0, 1]);
  });
});

/**
 * Probe run as a subprocess by `role_test.ts` under a small V8 heap limit:
 * writes `Deno.args[0]` generated DCGM rows to a CSV in `Deno.args[1]` and
 * streams it once at full speed through `runStream` into a sink that keeps
 * nothing, then prints what was published. A streamer that kept every row
 * it read (the row source never goes idle while a file is read at full
 * speed) would exceed the limit and crash the process.
 *
 * @module
 */
import { dcgmHeaderLine, dcgmLines } from "../../src/stream/dcgm_generator.ts";
import { runStream } from "../../src/stream/role.ts";
import type { StreamPublisher } from "../../src/stream/role_options.ts";
import { silentLogger } from "../../src/obs/log.ts";

const rows = Number(Deno.args[0]);
const csv = `${Deno.args[1]}/probe.csv`;
{
  using file = await Deno.open(csv, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  const lines = dcgmLines({ hosts: 32, seed: 5 });
  let text = dcgmHeaderLine() + "\n";
  for (let i = 0; i < rows; i++) {
    text += lines.next().value + "\n";
    if (text.length > 1 << 20 || i === rows - 1) {
      await file.write(enc.encode(text));
      text = "";
    }
  }
}

/** Confirms at once and keeps only counts; yields to the event loop now and then, as a socket would. */
class CountingSink implements StreamPublisher {
  readonly counters = { published: 0, confirmed: 0, retried: 0, storageBackoffMs: 0 };
  async publish(): Promise<void> {
    if (++this.counters.published % 1024 === 0) await new Promise((r) => setTimeout(r, 0));
    this.counters.confirmed++;
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const result = await runStream({
  csv,
  connect: () => Promise.resolve(new CountingSink()),
  rate: 0,
  loop: false,
  quiet: true,
  logger: silentLogger,
});
console.log(JSON.stringify({ rowsRead: result.rowsRead, published: result.published }));

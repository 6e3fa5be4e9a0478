import assert from "node:assert/strict";
import { join } from "node:path";
import {
  Gputel,
  HAS_REAL_EXPORT,
  REAL_EXPORT,
  startRole,
  waitUntil,
  writeExportShaped,
} from "./_harness.ts";
import { apiRows, NatsServer, natsTest } from "./_nats.ts";

/**
 * `stream --broker nats://…` of `csv` into two collectors of one group on a
 * lone JetStream server; the `api` role over their data dir returns each row once.
 */
async function streamThroughJetStream(
  csv: string | ((dir: string) => Promise<string>),
  rows: number,
) {
  const dir = await Deno.makeTempDir({ prefix: "gputel-nats-e2e-" });
  // The processes are disposed when `streamInto` returns; only then is the dir free to remove.
  await streamInto(dir, csv, rows);
  await Deno.remove(dir, { recursive: true });
}

async function streamInto(
  dir: string,
  csv: string | ((dir: string) => Promise<string>),
  rows: number,
) {
  await using server = await NatsServer.start(dir);
  const file = typeof csv === "string" ? csv : await csv(dir);
  const data = join(dir, "data");
  const collector = (id: string) =>
    startRole([
      ...["collect", "--broker", server.url, "--data-dir", data, "--id", id],
      ...["--workers", "2"],
    ], ["api"]);
  const c1 = await collector("c1");
  await using _c1 = c1.proc;
  const c2 = await collector("c2");
  await using _c2 = c2.proc;
  const stream = new Gputel([
    ...["stream", "--broker", server.url, "--csv", file, "--rate", "0", "--no-loop"],
  ]);
  const { code, output } = await stream.wait();
  assert.equal(code, 0, output);
  assert.match(output, new RegExp(`confirmed=${rows}\\b`));

  const started = await startRole(["api", "--data-dir", data], ["api"]);
  await using _api = started.proc;
  const base = `http://127.0.0.1:${started.api}`;
  await waitUntil(
    `${rows} rows through the API`,
    async () => (await apiRows(base)).records >= rows,
  );
  assert.deepEqual(await apiRows(base), { records: rows, distinct: rows });
  // Both members of the group took a share.
  for (const c of [c1, c2]) {
    const stats = await (await fetch(`http://127.0.0.1:${c.api}/stats`)).json();
    assert.ok(stats.collector.stored > 0, `${c.proc.args.join(" ")} stored nothing`);
    assert.equal(
      stats.collector.stored + stats.collector.duplicatesSkipped,
      stats.collector.stored,
    );
  }
}

natsTest(
  "stream --broker nats:// into two collectors of one group: a generated export's 2,470 rows, each once through the API",
  () => streamThroughJetStream((dir) => writeExportShaped(join(dir, "export.csv")), 2470),
);

// An extra case where the real export is present (never in a fresh clone).
if (HAS_REAL_EXPORT) {
  natsTest(
    "stream --broker nats:// into two collectors of one group: the real export's 2,470 rows, each once",
    () => streamThroughJetStream(REAL_EXPORT, 2470),
  );
}

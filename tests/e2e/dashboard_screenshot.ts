/**
 * Writes `docs/dashboard.png`: a `broker,collect` fed 6 hosts × 8 GPUs of
 * generated DCGM telemetry by `gputel stream` at one scrape round a second
 * for 90 s, shown in headless Chromium with one GPU's chart open.
 *
 * ```sh
 * deno run -A tests/e2e/dashboard_screenshot.ts [OUT.png]
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { openBrowser } from "./_browser.ts";
import { uuidsByHost, writeFleetCsv } from "./_dashboard_data.ts";
import { getJson, Gputel, ROOT, startAllInOne, waitUntil } from "./_harness.ts";

const HOSTS = 6;
const ROUNDS = 90;
const ROWS_PER_ROUND = HOSTS * 8 * 10;

const out = Deno.args[0] ?? `${ROOT}docs/dashboard.png`;
const dir = await Deno.makeTempDir({ prefix: "gputel-screenshot-" });
try {
  const csv = join(dir, "fleet.csv");
  await writeFleetCsv(csv, HOSTS, ROUNDS);
  const { proc, port, api } = await startAllInOne(join(dir, "data"));
  await using _server = proc;
  const base = `http://127.0.0.1:${api}`;
  // 4 workers × rate = one round (ROWS_PER_ROUND rows) a second.
  const stream = new Gputel([
    ...["stream", "--csv", csv, "--rate", String(ROWS_PER_ROUND / 4), "--no-loop", "--quiet"],
    ...["--broker", `127.0.0.1:${port}`],
  ]);
  await using _stream = stream;
  await waitUntil(`${ROUNDS} rounds`, async () => {
    const stats = await getJson<{ records_total: number }>(`${base}/stats`);
    return stats.records_total >= ROWS_PER_ROUND * ROUNDS;
  }, (ROUNDS + 60) * 1000);
  const hosts = await uuidsByHost(csv);
  const host = "sim-dgx1-hgpu-003";
  const gpu = (await getJson<{ gpus: { id: string; gpu_index: string }[] }>(
    `${base}/api/v1/gpus?hostname=${host}`,
  )).gpus.find((g) => g.gpu_index === "3")!.id;
  if (!hosts.get(host)?.has(gpu)) throw new Error(`${gpu} is not in the input`);
  await using browser = await openBrowser();
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(`${base}/?${new URLSearchParams({ gpu, range: "15m" })}`);
  await page.locator("#chart canvas").first().waitFor();
  const cell = await page.locator(`.cell[data-id="${gpu}"]`).boundingBox();
  await page.mouse.move(cell!.x + cell!.width / 2, cell!.y + cell!.height / 2);
  await page.locator("#tooltip").waitFor();
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await Deno.remove(dir, { recursive: true });
}

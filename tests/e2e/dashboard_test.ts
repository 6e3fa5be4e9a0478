import assert from "node:assert/strict";
import { heavyTestLock } from "../_helpers.ts";
import { join } from "node:path";
import type { Page, Request } from "playwright-core";
import { HAS_CHROMIUM, openBrowser } from "./_browser.ts";
import {
  countRecords,
  DAY_GPU,
  DAY_SAMPLES,
  DAY_UTIL,
  getJsonWith,
  streamOnce,
  uuidsByHost,
  writeDayCsv,
  writeFleetCsv,
} from "./_dashboard_data.ts";
import { startAllInOne, startRole, waitUntil } from "./_harness.ts";

// The page's globals, as the callbacks below (which run in the browser) use them.
interface PageElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: {
  getElementById(id: string): PageElement;
  querySelectorAll(selector: string): { length: number };
  activeElement: PageElement | null;
};

const TOKEN = "dashboard-test-token";
const HOSTS = 250; // × 8 GPUs = 2,000, the fleet size
const ROUNDS = 2;
const FRESH = [
  "GPU-f0000000-0000-4000-8000-000000000001",
  "GPU-f0000000-0000-4000-8000-000000000002",
];

/** Two GPUs of one host, one record each, to be streamed when a test needs them fresh. */
async function writeFreshCsv(dir: string): Promise<string> {
  const path = join(dir, "fresh.csv");
  const rows = FRESH.map((id, i) => `fresh-host,${i},${id},50`);
  await Deno.writeTextFile(
    path,
    ["hostname,gpu_index,uuid,utilization.gpu [%]", ...rows].join("\n") + "\n",
  );
  return path;
}

/** Waits for the chart to show load number `loads` and returns its data attributes. */
async function chartAfterLoad(page: Page, loads: number) {
  await page.waitForFunction(
    (n) => {
      const d = document.getElementById("chart")!.dataset;
      return Number(d.loads) >= n && d.points !== undefined && d.loadedFor === d.loads;
    },
    loads,
    { timeout: 60_000 },
  );
  return await page.evaluate(() => ({ ...document.getElementById("chart")!.dataset }));
}

const cellIds = (page: Page) =>
  page.$$eval(".cell", (cells) => cells.map((c) => (c as unknown as PageElement).dataset.id!));

Deno.test({
  name: "the dashboard, in headless Chromium against a real broker,collect with 2,001 GPUs",
  ignore: !HAS_CHROMIUM,
  // playwright-core keeps its pipe to Chromium and timers beyond a step.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    await using _heavy = await heavyTestLock();
    const dir = await Deno.makeTempDir({ prefix: "gputel-dashboard-" });
    try {
      await browserSteps(t, dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The steps, on a server and browser that are closed before `dir` is removed. */
async function browserSteps(t: Deno.TestContext, dir: string): Promise<void> {
  {
    const [fleetCsv, dayCsv] = [join(dir, "fleet.csv"), join(dir, "day.csv")];
    await writeFleetCsv(fleetCsv, HOSTS, ROUNDS);
    await writeDayCsv(dayCsv);
    const { proc, port, api } = await startAllInOne(join(dir, "data"), ["--token", TOKEN]);
    await using _server = proc;
    const base = `http://127.0.0.1:${api}`;
    await streamOnce(fleetCsv, port, TOKEN);
    await streamOnce(dayCsv, port, TOKEN);
    const total = HOSTS * 8 * 10 * ROUNDS + DAY_SAMPLES;
    await waitUntil(`${total} records stored`, async () => {
      const stats = await getJsonWith<{ records_total: number }>(`${base}/stats`, TOKEN);
      return stats.records_total >= total;
    }, 60_000);
    const byHost = await uuidsByHost(fleetCsv);
    const inputIds = [...[...byHost.values()].flatMap((s) => [...s]), DAY_GPU.id].sort();
    assert.equal(inputIds.length, HOSTS * 8 + 1);

    await using browser = await openBrowser();
    const requests: string[] = [];
    browser.context.on("request", (r: Request) => void requests.push(r.url()));
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => void pageErrors.push(e.message));

    await t.step(
      "no token shows the form, a wrong one the 401's message, the right one the fleet",
      async () => {
        await page.goto(`${base}/`);
        await page.locator("#login").waitFor({ state: "visible" });
        assert.equal(await page.locator("#main").isHidden(), true);
        const refused = await fetch(`${base}/api/v1/gpus`, {
          headers: { authorization: "Bearer wrong" },
        });
        const { detail } = await refused.json();
        await page.fill("#token", "wrong");
        await page.press("#token", "Enter");
        await page.waitForFunction(
          (d) => document.getElementById("login-error")!.textContent === d,
          detail,
        );
        await page.fill("#token", TOKEN);
        await page.click("#token-form button[type=submit]");
        await page.locator(".cell").first().waitFor();
        assert.equal(await page.locator("#login").isHidden(), true);
      },
    );

    await t.step("the grid shows every GPU of the input, each once", async () => {
      await page.goto(`${base}/`);
      await page.waitForFunction(() => performance.getEntriesByName("fleet-painted").length > 0);
      const paintMs = await page.evaluate(() =>
        performance.getEntriesByName("fleet-painted")[0].startTime
      );
      console.log(
        `budget: fleet view of ${inputIds.length} GPUs painted ${
          paintMs.toFixed(0)
        } ms after navigation (budget 1000 ms)`,
      );
      assert.deepEqual((await cellIds(page)).sort(), inputIds);
      assert.equal(await page.locator("#gpu-rows tr").count(), 100, "the table is paged");
      assert.match(await page.locator("#table-count").innerText(), /^2001 GPUs$/);
    });

    const host = "sim-dgx1-hgpu-007";
    const hostIds = [...byHost.get(host)!].sort();
    await t.step(
      "filtering by a host leaves exactly that host's GPUs in grid and table",
      async () => {
        await page.selectOption("#host-filter", host);
        await page.waitForFunction(
          (n) => document.querySelectorAll(".cell").length === n,
          hostIds.length,
        );
        assert.deepEqual((await cellIds(page)).sort(), hostIds);
        const labels = await page.$$eval(".cell", (cells) => cells.map((c) => c.textContent));
        assert.deepEqual(labels, ["0", "1", "2", "3", "4", "5", "6", "7"], "in index order");
        const rows = await page.$$eval(
          "#gpu-rows tr",
          (trs) => trs.map((tr) => (tr as unknown as PageElement).dataset.id!),
        );
        assert.deepEqual(rows.sort(), hostIds);
        assert.equal(new URL(page.url()).searchParams.get("host"), host);
      },
    );

    const gpu = hostIds[0];
    await t.step(
      "clicking a GPU draws a chart with as many points as the API has records for the window",
      async () => {
        await page.click(`.cell[data-id="${gpu}"]`);
        const chart = await chartAfterLoad(page, 1);
        assert.equal(chart.metric, "DCGM_FI_DEV_GPU_UTIL");
        const records = await countRecords(base, TOKEN, gpu, {
          start: chart.start!,
          end: chart.end!,
          metric: chart.metric,
        });
        assert.equal(records, ROUNDS, "one utilization record per round");
        assert.equal(Number(chart.points), records);
        assert.equal(await page.locator("#chart canvas").count() >= 1, true);
        assert.equal(new URL(page.url()).searchParams.get("gpu"), gpu);
      },
    );

    await t.step(
      "switching the range refetches that window, and the URL restores it all",
      async () => {
        const before = requests.length;
        await page.click('#ranges button[data-range="15m"]');
        const chart = await chartAfterLoad(page, 2);
        assert.equal(Date.parse(chart.end!) - Date.parse(chart.start!), 15 * 60_000);
        const refetched = requests.slice(before).filter((u) =>
          u.includes(`/gpus/${encodeURIComponent(gpu)}/telemetry?`)
        );
        assert.equal(refetched.length >= 1, true, "a telemetry request after the switch");
        const q = new URL(refetched[0]).searchParams;
        assert.equal(
          Date.parse(q.get("end_time")!) - Date.parse(q.get("start_time")!),
          15 * 60_000,
        );
        const records = await countRecords(base, TOKEN, gpu, {
          start: chart.start!,
          end: chart.end!,
          metric: chart.metric!,
        });
        assert.equal(Number(chart.points), records);
        await page.reload();
        await chartAfterLoad(page, 1);
        assert.equal(await page.locator("#host-filter").inputValue(), host);
        assert.equal(
          await page.locator('#ranges button[data-range="15m"]').getAttribute("aria-pressed"),
          "true",
        );
        assert.equal(await page.locator(".cell").count(), hostIds.length);
      },
    );

    await t.step("the keyboard alone opens a GPU: Tab to the grid, arrows, Enter", async () => {
      await page.goto(`${base}/?host=${host}`);
      await page.locator(".cell").first().waitFor();
      const inGridOrder = await cellIds(page);
      await page.focus("#color-by");
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.id), inGridOrder[0]);
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("Enter");
      await page.waitForFunction(
        (id) => new URL(location.href).searchParams.get("gpu") === id,
        hostIds[1],
      );
      await chartAfterLoad(page, 1);
    });

    await t.step("raw records are one click away", async () => {
      await page.click("#raw-toggle");
      const text = await page.locator("#raw-text").innerText();
      const first = JSON.parse(text.split("\n")[0]);
      assert.equal(first.gpu_id, new URL(page.url()).searchParams.get("gpu"));
      assert.equal(typeof first.metrics.DCGM_FI_DEV_GPU_UTIL, "number");
    });

    await t.step(
      "a day at 1 s resolution: 86,400 points, measured from the data's arrival",
      async () => {
        const q = new URLSearchParams({ gpu: DAY_GPU.id, range: "24h", metric: DAY_UTIL });
        await page.goto(`${base}/?${q}`);
        const chart = await chartAfterLoad(page, 1);
        assert.equal(Number(chart.points), DAY_SAMPLES);
        console.log(
          `budget: 24h chart of ${DAY_SAMPLES} points drawn ${chart.drawMs} ms after its data arrived (budget 300 ms)`,
        );
      },
    );

    await t.step("GPUs not seen for 3 intervals are marked stale", async () => {
      await streamOnce(await writeFreshCsv(dir), port, TOKEN);
      await waitUntil("the fresh host's records", async () => {
        const stats = await getJsonWith<{ records_total: number }>(`${base}/stats`, TOKEN);
        return stats.records_total >= total + FRESH.length;
      });
      const stale = await browser.context.newPage();
      await stale.addInitScript((t) => sessionStorage.setItem("gputel-token", t), TOKEN);
      await stale.clock.install();
      await stale.goto(`${base}/?host=fresh-host`);
      await stale.locator(".cell").first().waitFor();
      assert.equal(await stale.locator(".cell").count(), FRESH.length);
      assert.equal(await stale.locator(".cell.stale").count(), 0);
      // No record for 20 s: past 3 intervals (the 5 s listing period, no interval seen yet).
      await stale.clock.fastForward("00:20");
      await stale.waitForFunction(
        (n) => document.querySelectorAll(".cell.stale").length === n,
        FRESH.length,
      );
      await stale.close();
    });

    await t.step(
      "the same page works on gputel api, over the data dir and over the collector",
      async () => {
        const all = [...inputIds, ...FRESH].sort();
        for (const source of [["--data-dir", join(dir, "data")], ["--collectors", base]]) {
          const started = await startRole(["api", "--token", TOKEN, ...source], ["api"]);
          await using _api = started.proc;
          const apiBase = `http://127.0.0.1:${started.api}`;
          const view = await browser.context.newPage();
          view.on("pageerror", (e) => void pageErrors.push(e.message));
          await view.addInitScript((t) => sessionStorage.setItem("gputel-token", t), TOKEN);
          await view.goto(`${apiBase}/?${new URLSearchParams({ gpu, range: "1h" })}`);
          await view.waitForFunction(
            (n) => document.querySelectorAll(".cell").length === n,
            all.length,
            { timeout: 60_000 },
          );
          assert.deepEqual((await cellIds(view)).sort(), all, source[0]);
          const chart = await chartAfterLoad(view, 1);
          const records = await countRecords(apiBase, TOKEN, gpu, {
            start: chart.start!,
            end: chart.end!,
            metric: chart.metric!,
          });
          assert.equal(records, ROUNDS, source[0]);
          assert.equal(Number(chart.points), records, source[0]);
          await view.close();
        }
      },
    );

    await t.step("no request left localhost and the page threw nothing", () => {
      assert.equal(requests.length > 10, true);
      const away = requests.filter((u) =>
        !u.startsWith("data:") && new URL(u).hostname !== "127.0.0.1"
      );
      assert.deepEqual(away, []);
      assert.deepEqual(pageErrors, []);
    });
  }
}

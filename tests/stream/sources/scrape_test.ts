import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { ManualClock } from "../../../src/clock.ts";
import { createLogger } from "../../../src/obs/log.ts";
import { FieldIssues } from "../../../src/stream/sources/field_issues.ts";
import { ScrapeSource } from "../../../src/stream/sources/scrape.ts";
import { samplesFromScrape } from "../../../src/stream/sources/scrape_text.ts";

/** Recorded dcgm-exporter text: 2 GPUs (one with pod labels), a MIG instance, a sentinel. */
const DCGM_TEXT = await Deno.readTextFile(
  fileURLToPath(new URL("../../fixtures/dcgm_exporter.txt", import.meta.url)),
);
const UUID0 = "GPU-7a5c1e2d-3f4b-4c6d-8e9f-0a1b2c3d4e50";
const UUID1 = "GPU-7a5c1e2d-3f4b-4c6d-8e9f-0a1b2c3d4e51";

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ write: (l) => lines.push(l) }) };
}

Deno.test("samplesFromScrape groups dcgm-exporter's samples per GPU, keeps pod labels, splits MIG instances and leaves out DCGM's blank sentinel", () => {
  const { lines, logger } = capture();
  const issues = new FieldIssues(logger);
  const ctx = { hostname: "ignored", timestamp: "2026-07-14T08:12:53.353Z", issues };
  const samples = samplesFromScrape(DCGM_TEXT, ctx);
  assert.deepEqual(samples.map((s) => s.key), [UUID0, UUID1, `${UUID0}/gi9`]);
  assert.deepEqual(samples[0].message, {
    timestamp: "2026-07-14T08:12:53.353Z",
    fields: {
      gpu: "0",
      UUID: UUID0,
      device: "nvidia0",
      modelName: "NVIDIA H100 80GB HBM3",
      pci_bus_id: "00000000:18:00.0",
      Hostname: "dgx-07",
      DCGM_FI_DRIVER_VERSION: "550.54.15",
      container: "trainer",
      namespace: "ml",
      pod: "llama-0",
      DCGM_FI_DEV_SM_CLOCK: 1980,
      DCGM_FI_DEV_GPU_TEMP: 61,
      DCGM_FI_DEV_POWER_USAGE: 612.337,
      DCGM_FI_DEV_GPU_UTIL: 100,
      DCGM_FI_DEV_FB_USED: 79102,
      DCGM_FI_DEV_ECC_DBE_VOL_TOTAL: 0,
    },
  });
  assert.ok(!("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL" in samples[1].message.fields), "sentinel left out");
  assert.equal(samples[1].message.fields.DCGM_FI_DEV_GPU_UTIL, 0);
  assert.deepEqual(samples[2].message.fields.GPU_I_ID, "9");
  assert.equal(samples[2].message.fields.DCGM_FI_DEV_FB_USED, 4864);
  assert.equal(issues.unsupported, 1);
  samplesFromScrape(DCGM_TEXT, ctx);
  assert.equal(issues.unsupported, 1, "counted once per GPU and field");
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /DCGM_FI_DEV_ECC_DBE_VOL_TOTAL not supported \(dcgm-exporter: 9223372036854775794\)/,
  );
  assert.deepEqual(samplesFromScrape("go_goroutines 12\n", ctx), []);
  const noHost = samplesFromScrape(`DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-x"} 5\n`, ctx);
  assert.equal(noHost[0].message.fields.Hostname, "ignored");
});

/** A hono app serving dcgm-exporter text, in a mode the test sets. */
function exporter() {
  const state = { mode: "ok" as "ok" | "truncated" | "garbage" | "error" | "slow", hits: 0 };
  const app = new Hono();
  app.get("/metrics", async (c) => {
    state.hits++;
    switch (state.mode) {
      case "truncated":
        return c.text(DCGM_TEXT.slice(0, DCGM_TEXT.indexOf("} 612") + 4));
      case "garbage":
        return c.html("<html><body>502 Bad Gateway</body></html>\n");
      case "error":
        return c.text("dcgm not ready\n", 503);
      case "slow":
        await new Promise((r) => setTimeout(r, 1_500));
        return c.text(DCGM_TEXT);
      default:
        return c.text(DCGM_TEXT);
    }
  });
  return { app, state };
}

Deno.test("ScrapeSource counts a truncated body, garbage, an HTTP error, a slow target and a target that is down, backs off, and reads again when it is back", async () => {
  const { app, state } = exporter();
  let server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  const port = server.addr.port;
  const clock = new ManualClock(1_000_000);
  const { lines, logger } = capture();
  const source = new ScrapeSource({
    url: `http://127.0.0.1:${port}/metrics`,
    intervalMs: 1_000, // the scrape timeout: generous, so a loaded machine does not time out
    hostname: "h",
    clock,
    logger,
  });
  const scrape = async () => {
    clock.advance(60_000); // past any backoff
    return (await source.read()).length;
  };
  try {
    assert.equal(await scrape(), 3);
    for (const mode of ["truncated", "garbage", "error", "slow"] as const) {
      state.mode = mode;
      assert.equal(await scrape(), 0, mode);
    }
    state.mode = "ok";
    await server.shutdown();
    assert.equal(await scrape(), 0, "down");
    const hits = state.hits;
    assert.deepEqual(await source.read(), [], "backed off");
    assert.equal(state.hits, hits, "no request while backing off");
    server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, app.fetch);
    assert.equal(await scrape(), 3);
  } finally {
    await source.close();
    await server.shutdown();
  }
  const c = source.counters();
  assert.equal(c.scrape_errors, 5);
  assert.equal(c.scrapes, 7);
  assert.equal(c.gpus, 3);
  const warned = lines.filter((l) => l.includes("WARN"));
  assert.equal(warned.length, 1, "one line per run of failures");
  assert.match(
    warned[0],
    /scraping http:\/\/127\.0\.0\.1:\d+\/metrics failed: truncated body \(no final newline\); retrying with backoff/,
  );
  assert.ok(lines.some((l) => /answers again after 5 failed scrapes/.test(l)), lines.join("\n"));
});

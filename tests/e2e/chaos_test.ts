import assert from "node:assert/strict";
import { runChaos } from "./_chaos.ts";
import { heavyTestLock } from "../_helpers.ts";

Deno.test({
  name:
    "chaos: broker and collectors SIGKILLed, SIGTERMed and SIGSTOPped while the group scales; every confirmed row is read exactly once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using _heavy = await heavyTestLock();
    const lines: string[] = [];
    const r = await runChaos({
      seed: 0x13c4a05,
      streamers: 4,
      rowsPerStreamer: Number(Deno.env.get("CHAOS_ROWS") ?? 1000),
      rate: 50,
      // CI keeps the mechanics of 1 → 10 → 3 → 7 at a size two cores start quickly.
      scale: [1, 6, 3, 5],
      log: (l) => lines.push(l),
    }).catch((e) => {
      throw new Error(`${e.message}\n${lines.join("\n")}`);
    });
    const why = `${JSON.stringify(r)}\n${lines.join("\n")}`;
    assert.equal(r.confirmed, 4 * Number(Deno.env.get("CHAOS_ROWS") ?? 1000), why);
    assert.equal(r.apiLost, 0, why);
    assert.equal(r.apiDuplicates, 0, why);
    assert.equal(r.perDirLost, 0, why);
    assert.equal(r.perDirMaxCopies, 1, why);
    assert.equal(r.duplicateOriginsAfterCompact, 0, why);
    assert.equal(r.lostAfterCompact, 0, why);
    assert.ok(r.stored >= r.confirmed, why);
    for (const [kind, n] of Object.entries(r.faults)) assert.ok(n > 0, `no ${kind}: ${why}`);
  },
});

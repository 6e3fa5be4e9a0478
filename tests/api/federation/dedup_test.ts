import assert from "node:assert/strict";
import { recordDigest, recordKey } from "../../../src/api/federation/dedup.ts";

const row = (o?: string) => ({
  gpu_id: "GPU-1",
  timestamp: "2026-11-27T17:00:00Z",
  metrics: { util: 1 },
  labels: { hostname: "h" },
  ...(o === undefined ? {} : { _o: o }),
});

Deno.test("federated dedup keys a record by its origin: copies meet, equal-looking rows of two messages do not", () => {
  assert.equal(recordKey(row("3f9a1c2b7d4e:5:10")), recordKey(row("3f9a1c2b7d4e:5:10")));
  assert.notEqual(recordKey(row("3f9a1c2b7d4e:5:10")), recordKey(row("3f9a1c2b7d4e:5:11")));
  assert.notEqual(recordDigest(row("3f9a1c2b7d4e:5:10")), recordDigest(row("3f9a1c2b7d4e:5:11")));
  assert.equal(recordKey(row()), recordKey(row()), "without an origin: by content");
});

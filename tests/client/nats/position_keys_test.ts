import assert from "node:assert/strict";
import { PositionKeys } from "../../../src/client/nats/position_keys.ts";

Deno.test("PositionKeys keeps a key while a partition's sequences rise and starts one for a redelivery", () => {
  const keys = new PositionKeys("o:s");
  assert.equal(keys.keyFor(0, 5), "o:s:0");
  assert.equal(keys.keyFor(0, 9), "o:s:0");
  assert.equal(keys.keyFor(1, 6), "o:s:1", "each partition has its own");
  assert.equal(keys.keyFor(0, 7), "o:s:2", "7 after 9: a store under o:s:0 would skip it");
  assert.equal(keys.keyFor(0, 8), "o:s:2");
  assert.equal(keys.keyFor(0, 8), "o:s:3", "the same batch again");
  assert.equal(keys.started, 4);
});

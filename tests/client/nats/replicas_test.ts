import assert from "node:assert/strict";
import { defaultReplicas } from "../../../src/client/nats/replicas.ts";

Deno.test("a new JetStream stream gets 1 replica below 3 servers and 3 from 3 servers on", () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(defaultReplicas), [1, 1, 3, 3, 3]);
});

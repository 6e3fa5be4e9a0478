import assert from "node:assert/strict";
import {
  checkJetStreamName,
  configDifferences,
  groupConsumerConfig,
  partitionOf,
  topicStreamConfig,
} from "../../../src/client/nats/topology.ts";

const topic = {
  topic: "gpu",
  partitions: 3,
  replicas: 3,
  maxAgeMs: 1_000,
  maxBytesPerPartition: 10,
};

Deno.test("topicStreamConfig lays a topic out as GPUTEL_<topic> with one subject per partition", () => {
  const c = topicStreamConfig(topic);
  assert.equal(c.name, "GPUTEL_gpu");
  assert.deepEqual(c.subjects, ["gpu.0", "gpu.1", "gpu.2"]);
  assert.equal(c.storage, "file");
  assert.equal(c.num_replicas, 3);
  assert.equal(c.max_age, 1_000_000_000);
  assert.equal(c.max_bytes, 30);
  assert.equal(topicStreamConfig({ ...topic, maxBytesPerPartition: 0 }).max_bytes, -1);
});

Deno.test("configDifferences names each differing setting with both values, and nothing when equal", () => {
  const wanted = topicStreamConfig(topic);
  assert.deepEqual(configDifferences({ ...wanted, extra: 1 }, wanted), []);
  assert.deepEqual(configDifferences({ ...wanted, num_replicas: 1, max_age: 0 }, wanted), [
    "num_replicas: existing 1, wanted 3",
    "max_age: existing 0 ms, wanted 1000 ms",
  ]);
  const g = groupConsumerConfig({ group: "g", ackWaitMs: 30_000, maxDeliveries: 5 });
  assert.deepEqual(configDifferences({ ...g, max_deliver: 9 }, g), [
    "max_deliver: existing 9, wanted 5",
  ]);
});

Deno.test("partitionOf reads <topic>.<n> subjects and refuses anything else", () => {
  assert.equal(partitionOf("gpu", "gpu.2"), 2);
  for (const s of ["gpu.dlq", "gpu.02", "gpu.", "gpux.1", "gpu.1.2", "other.1"]) {
    assert.equal(partitionOf("gpu", s), -1, s);
  }
});

Deno.test("checkJetStreamName refuses a dot, naming the flag", () => {
  checkJetStreamName("topic", "telemetry");
  assert.throws(
    () => checkJetStreamName("group", "a.b"),
    /--group "a\.b" cannot be used with a nats/,
  );
});

import assert from "node:assert/strict";
import { parseBrokerTarget } from "../../src/cli/flags_nats.ts";
import { UsageError } from "../../src/cli/errors.ts";
import { type CliRun, parseCli } from "../../src/cli/parse.ts";

Deno.test("parseBrokerTarget tells a gputel broker from a list of NATS servers", () => {
  assert.deepEqual(parseBrokerTarget("10.0.0.5:9000"), { host: "10.0.0.5", port: 9000 });
  assert.deepEqual(parseBrokerTarget("nats://a:4222,nats://b:4223"), {
    nats: ["nats://a:4222", "nats://b:4223"],
  });
  assert.deepEqual(parseBrokerTarget("tls://u:p@a"), { nats: ["tls://u:p@a"] });
  for (const bad of ["nats://", "nats://a:0", "nats://a:70000", "nats://a/x", "nats://a,b:1"]) {
    assert.throws(() => parseBrokerTarget(bad), RangeError, bad);
  }
});

Deno.test("JetStream settings on stream/collect need --broker nats://, and reach the options with it", () => {
  assert.throws(
    () => parseCli(["collect", "--max-deliveries", "3"], {}),
    (e: Error) =>
      e instanceof UsageError && /--max-deliveries on collect needs --broker nats/.test(e.message),
  );
  assert.throws(
    () => parseCli(["stream", "--csv", "x.csv", "--nats-replicas", "3"], {}),
    /--nats-replicas on stream needs --broker nats/,
  );
  // With the broker role in the mix the broker takes them, as before.
  parseCli(["broker,collect", "--max-deliveries", "3"], {});
  const run = parseCli(
    [
      "collect",
      "--broker",
      "nats://n1:4222,nats://n2:4222",
      "--partitions",
      "4",
      "--nats-replicas",
      "3",
    ],
    {},
  ) as CliRun;
  assert.deepEqual(run.options.broker, { nats: ["nats://n1:4222", "nats://n2:4222"] });
  assert.equal(run.options.partitions, 4);
  assert.equal(run.options.natsReplicas, 3);
  assert.throws(
    () => parseCli(["stream", "--csv", "x", "--ack-timeout", "1s", "--broker", "nats://a"], {}),
    /not a flag of stream/,
  );
});

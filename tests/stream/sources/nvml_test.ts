import assert from "node:assert/strict";
import { systemClock } from "../../../src/clock.ts";
import { createLogger } from "../../../src/obs/log.ts";
import { NvmlSource } from "../../../src/stream/sources/nvml.ts";
import { SourceUnavailableError } from "../../../src/stream/sources/source.ts";
import { buildFakeNvml, CC, NO_CC_REASON } from "./_fake_nvml.ts";

function open(lib: string, env: Record<string, string>) {
  for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
  try {
    return NvmlSource.open({
      lib,
      hostname: "h",
      intervalMs: 100,
      clock: systemClock,
      logger: createLogger({ write: () => {} }),
    });
  } finally {
    for (const k of Object.keys(env)) Deno.env.delete(k);
  }
}

Deno.test({
  name:
    `NvmlSource refuses to start, naming the flag, when NVML does not initialise or finds no GPU${NO_CC_REASON}`,
  ignore: CC === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "gputel-nvml-" });
    try {
      const lib = await buildFakeNvml(dir);
      assert.throws(
        () => open(lib, { FAKE_NVML_INIT_ERROR: "9" }),
        (e: Error) =>
          e instanceof SourceUnavailableError &&
          e.message === "--source nvml: NVML did not start (nvmlInit: Driver Not Loaded); " +
              "is the NVIDIA driver loaded? use --source nvidia-smi or --csv",
      );
      assert.throws(
        () => open(lib, { FAKE_NVML_GPUS: "0" }),
        /^SourceUnavailableError: --source nvml: NVML found no GPU on this host; use --csv to replay a file instead$/,
      );
      assert.throws(
        () => open(`${dir}/missing.so`, {}),
        /^SourceUnavailableError: --nvml-lib \S+missing\.so: cannot load it \(.*No such file.*\); give the path/,
      );
      const source = open(lib, { FAKE_NVML_GPUS: "8" });
      assert.equal(source.gpus.length, 8);
      const reading = source.read();
      assert.deepEqual(reading.map((s) => s.message.fields.DCGM_FI_DEV_PCIE_TX_THROUGHPUT), [
        1000,
        1001,
        1002,
        1003,
        1004,
        1005,
        1006,
        1007,
      ]);
      await source.close();
      await source.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

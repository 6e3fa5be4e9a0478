import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import {
  decodeIndexSnapshot,
  encodeIndexSnapshot,
  type IndexSnapshot,
} from "../../src/collect/index_snapshot_codec.ts";

const SNAPSHOT: IndexSnapshot = {
  every: 64,
  files: [
    {
      name: "a.jsonl",
      dev: 2049,
      ino: 77,
      size: 300,
      lines: 65,
      corrupt: 1,
      tailCrc: 0xdeadbeef,
      blocks: [
        { count: 64, bytes: 290, minTs: 1.5e12, maxTs: 1.6e12 },
        { count: 1, bytes: 10, minTs: Infinity, maxTs: -Infinity }, // a corrupt line only
      ],
    },
    { name: "b.jsonl", dev: 0, ino: 0, size: 0, lines: 0, corrupt: 0, tailCrc: 0, blocks: [] },
  ],
  gpus: [{
    file: "a.jsonl",
    gpu: {
      info: {
        id: "GPU-1",
        hostname: "h",
        gpu_index: null,
        model: null,
        first_seen: "2026-11-27T00:00:00.000Z",
        last_seen: "2026-11-27T01:00:00.000Z",
      },
      firstTs: 1.5e12,
      lastTs: 1.6e12,
      latest: [["util", 87, 1.6e12], ["state", "ok", 1.5e12]],
    },
  }],
};

Deno.test("an index snapshot decodes to what was encoded, infinite block bounds and empty files included", () => {
  assertEquals(decodeIndexSnapshot(encodeIndexSnapshot(SNAPSHOT)), SNAPSHOT);
});

Deno.test("an index snapshot that is cut, flipped, grown or foreign is refused with a RangeError", () => {
  const bytes = encodeIndexSnapshot(SNAPSHOT);
  const flipped = bytes.slice();
  flipped[bytes.length - 3] ^= 0x40;
  const grown = new Uint8Array(bytes.length + 1);
  grown.set(bytes);
  for (const bad of [bytes.subarray(0, 20), flipped, grown, new Uint8Array(0), bytes.subarray(1)]) {
    assertThrows(() => decodeIndexSnapshot(bad), RangeError);
  }
});

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { crc32 } from "node:zlib";
import {
  decodeJournal,
  encodeJournalEntry,
  ENTRY_HEADER_BYTES,
  JOURNAL_MAGIC,
} from "../../src/datadir/journal_codec.ts";

const encoder = new TextEncoder();
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const positions = [
  { topic: "telemetry", group: "collectors@b1", partition: 3, next: 120 },
  { topic: "telemetry", group: "collectors@b1", partition: 5, next: 7 },
];

function twoEntries(): { bytes: Uint8Array; first: number } {
  const a = encodeJournalEntry(positions, [
    {
      name: "gpu-a.jsonl",
      offset: 0,
      parts: [encoder.encode("a1\n"), encoder.encode("a2\n")],
      size: 6,
    },
    {
      name: "gpu-b~0123456789abcdef0123456789abcdef.jsonl",
      offset: 40,
      parts: [encoder.encode("b\n")],
      size: 2,
    },
  ]);
  const b = encodeJournalEntry([{ ...positions[0], next: 121 }], [
    { name: "gpu-a.jsonl", offset: 6, parts: [encoder.encode("a3\n")], size: 3 },
  ]);
  const bytes = new Uint8Array(a.bytes.length + b.bytes.length);
  bytes.set(a.bytes);
  bytes.set(b.bytes, a.bytes.length);
  return { bytes, first: a.bytes.length };
}

Deno.test("encodeJournalEntry lays out header, description and blocks, with block views into the entry", () => {
  const parts = [encoder.encode("l1\n"), encoder.encode("l2\n")];
  const entry = encodeJournalEntry(positions.slice(0, 1), [
    { name: "gpu-a.jsonl", offset: 9, parts, size: 6 },
  ]);
  const view = new DataView(entry.bytes.buffer);
  assertEquals(view.getUint32(0), JOURNAL_MAGIC);
  assertEquals(view.getUint32(4), entry.bytes.length - ENTRY_HEADER_BYTES);
  assertEquals(view.getUint32(8), crc32(entry.bytes.subarray(ENTRY_HEADER_BYTES)));
  const metaLength = view.getUint32(12);
  assertEquals(
    JSON.parse(text(entry.bytes.subarray(16, 16 + metaLength))),
    { p: [["telemetry", "collectors@b1", 3, 120]], f: [["gpu-a.jsonl", 9, 6]] },
  );
  assertEquals(entry.blocks.map(text), ["l1\nl2\n"]);
  assertEquals(entry.blocks[0].buffer, entry.bytes.buffer);
  assertEquals(entry.blocks[0].byteOffset, 16 + metaLength);
});

Deno.test("decodeJournal reads back every entry with its positions and blocks", () => {
  const { bytes } = twoEntries();
  const decoded = decodeJournal(bytes);
  assertEquals(decoded.validBytes, bytes.length);
  assertEquals(decoded.error, undefined);
  assertEquals(decoded.entries.map((e) => e.positions), [
    positions,
    [{ ...positions[0], next: 121 }],
  ]);
  assertEquals(
    decoded.entries.map((e) => e.blocks.map((b) => [b.name, b.offset, text(b.bytes)])),
    [
      [["gpu-a.jsonl", 0, "a1\na2\n"], ["gpu-b~0123456789abcdef0123456789abcdef.jsonl", 40, "b\n"]],
      [["gpu-a.jsonl", 6, "a3\n"]],
    ],
  );
  assertEquals(decodeJournal(new Uint8Array(0)), { entries: [], validBytes: 0 });
});

Deno.test("decodeJournal keeps the whole entries of a journal cut at any byte", () => {
  const { bytes, first } = twoEntries();
  for (let cut = 0; cut < bytes.length; cut++) {
    const decoded = decodeJournal(bytes.subarray(0, cut));
    const whole = cut >= first ? 1 : 0;
    assertEquals(
      [decoded.entries.length, decoded.validBytes],
      [whole, whole ? first : 0],
      `${cut}`,
    );
    assertEquals(decoded.error === undefined, cut === 0 || cut === first, `${cut}`);
  }
});

Deno.test("decodeJournal stops at the first entry with any byte changed, never misreading it", () => {
  const { bytes, first } = twoEntries();
  for (let at = first; at < bytes.length; at++) {
    const changed = bytes.slice();
    changed[at] ^= 0x20;
    const decoded = decodeJournal(changed);
    assertEquals([decoded.entries.length, decoded.validBytes], [1, first], `byte ${at}`);
    assertEquals(typeof decoded.error, "string");
  }
});

Deno.test("decodeJournal refuses an entry whose description names a file outside the data dir", () => {
  const entry = encodeJournalEntry([], [
    { name: "../escape.jsonl", offset: 0, parts: [encoder.encode("x\n")], size: 2 },
  ]);
  const decoded = decodeJournal(entry.bytes);
  assertEquals(decoded.entries, []);
  assertEquals(decoded.error, "bad description at byte 0");
});

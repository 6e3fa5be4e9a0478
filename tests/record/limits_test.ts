import assert from "node:assert/strict";
import {
  fieldNamesProblem,
  keyProblem,
  LIMITS,
  messageBytesProblem,
} from "../../src/record/limits.ts";
import {
  decodeMessage,
  MAX_FIELDS,
  MAX_KEY_LENGTH,
  toRecord,
} from "../../src/record/telemetry_record.ts";

const ts = "2026-11-27T17:00:00Z";
const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

Deno.test("the limits table is the collector's: key length and field count come from it", () => {
  assert.equal(MAX_KEY_LENGTH, LIMITS.maxKeyLength);
  assert.equal(MAX_FIELDS, LIMITS.maxFields);
});

Deno.test("keyProblem accepts keys up to maxKeyLength and names the length past it", () => {
  assert.equal(keyProblem("GPU-1"), undefined);
  assert.equal(keyProblem("k".repeat(LIMITS.maxKeyLength)), undefined);
  assert.equal(keyProblem(""), "message key is empty; it must name the GPU");
  assert.equal(keyProblem("k".repeat(1025)), "message key is 1025 characters; at most 1024");
  assert.throws(() => toRecord("k".repeat(1025), { timestamp: ts, fields: { v: 1 } }), /1025/);
});

Deno.test("fieldNamesProblem bounds the field count and each name's length", () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
  assert.equal(fieldNamesProblem(names(LIMITS.maxFields)), undefined);
  assert.equal(fieldNamesProblem(names(1025)), "message has 1025 fields; at most 1024 allowed");
  assert.equal(fieldNamesProblem([""]), "a field name is empty");
  assert.match(fieldNamesProblem(["n".repeat(1025)])!, /is 1025 characters; at most 1024$/);
  // The collector refuses the same message the check flags.
  const fields = Object.fromEntries([["n".repeat(1025), 1]]);
  assert.throws(() => decodeMessage(encode({ timestamp: ts, fields })), /at most 1024/);
});

Deno.test("messageBytesProblem allows 1 MiB and the collector refuses one byte more", () => {
  assert.equal(messageBytesProblem(LIMITS.maxMessageBytes), undefined);
  assert.equal(messageBytesProblem(1_048_577), "message is 1048577 bytes; at most 1048576");
  const pad = "x".repeat(LIMITS.maxMessageBytes);
  assert.throws(
    () => decodeMessage(encode({ timestamp: ts, fields: { v: 1, pad } })),
    /message is \d+ bytes; at most 1048576/,
  );
});

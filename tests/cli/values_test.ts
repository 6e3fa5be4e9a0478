import assert from "node:assert/strict";
import {
  parseBool,
  parseHost,
  parseHostPort,
  parseIntInRange,
  parseName,
  parseNonEmpty,
  parseNumberAtLeast,
  parseRowFilter,
  parseShard,
  toName,
} from "../../src/cli/values.ts";

Deno.test("parseIntInRange accepts plain digits within the bounds only", () => {
  assert.equal(parseIntInRange("0", 0, 65535), 0);
  assert.equal(parseIntInRange("65535", 0, 65535), 65535);
  assert.equal(parseIntInRange("0080", 0, 65535), 80);
  for (const text of ["-1", "65536", "70000", "1.5", "1e3", "+1", "", " 1", "0x10", "abc"]) {
    assert.throws(() => parseIntInRange(text, 0, 65535), {
      name: "RangeError",
      message: `Not an integer from 0 to 65535: "${text}"`,
    }, text);
  }
  assert.throws(() => parseIntInRange("0", 1, 10), { name: "RangeError" });
});

Deno.test("parseNumberAtLeast accepts finite decimals at or above the minimum", () => {
  const cases: [string, number][] = [["0", 0], ["1", 1], ["0.5", 0.5], [".5", 0.5], ["2e3", 2000], [
    "10.",
    10,
  ]];
  for (const [text, value] of cases) assert.equal(parseNumberAtLeast(text, 0), value, text);
  for (const text of ["-1", "abc", "", "Infinity", "NaN", "1e999", "0x10", "1_000", " 1"]) {
    assert.throws(() => parseNumberAtLeast(text, 0), {
      name: "RangeError",
      message: `Not a number >= 0: "${text}"`,
    }, text);
  }
});

Deno.test("parseBool accepts true/false words in any case and nothing else", () => {
  for (const text of ["true", "TRUE", "1", "yes", "on"]) assert.equal(parseBool(text), true, text);
  for (const text of ["false", "False", "0", "no", "off"]) {
    assert.equal(parseBool(text), false, text);
  }
  for (const text of ["", "2", "y", "enable"]) {
    assert.throws(() => parseBool(text), {
      name: "RangeError",
      message: `Not a boolean: "${text}"`,
    });
  }
});

Deno.test("parseHost accepts names and addresses and refuses blanks, slashes and brackets", () => {
  for (const text of ["127.0.0.1", "0.0.0.0", "::1", "::", "gpu-host.local"]) {
    assert.equal(parseHost(text), text);
  }
  for (const text of ["", "a b", "http://x", "[::1]"]) {
    assert.throws(() => parseHost(text), { name: "RangeError", message: `Not a host: "${text}"` });
  }
});

Deno.test("parseHostPort splits host and port, unwrapping bracketed IPv6", () => {
  assert.deepEqual(parseHostPort("127.0.0.1:9000"), { host: "127.0.0.1", port: 9000 });
  assert.deepEqual(parseHostPort("broker.internal:1"), { host: "broker.internal", port: 1 });
  assert.deepEqual(parseHostPort("[::1]:65535"), { host: "::1", port: 65535 });
  for (
    const text of ["nohostport", ":9000", "host:", "host:0", "host:65536", "::1:9000", "a b:1"]
  ) {
    assert.throws(() => parseHostPort(text), { name: "RangeError" }, text);
  }
});

Deno.test("parseName accepts topic-safe names and refuses path-like ones", () => {
  for (const text of ["telemetry", "collectors", "node-7.rack_2", "a".repeat(200)]) {
    assert.equal(parseName(text), text);
  }
  for (const text of ["", ".", "..", "a/b", "a b", "ü", "a".repeat(201)]) {
    assert.throws(() => parseName(text), { name: "RangeError", message: `Not a name: "${text}"` });
  }
});

Deno.test("toName turns any host name into a valid name", () => {
  assert.equal(toName("gpu-host.example.com"), "gpu-host.example.com");
  assert.equal(toName("my host/ü"), "my-host--");
  assert.equal(toName(""), "gputel");
  assert.equal(toName(".."), "gputel");
  assert.equal(toName("x".repeat(300)).length, 200);
});

Deno.test("parseNonEmpty refuses only the empty string", () => {
  assert.equal(parseNonEmpty(" "), " ");
  assert.throws(() => parseNonEmpty(""), { name: "RangeError", message: "Empty value" });
});

Deno.test("parseRowFilter splits at the first equals sign and allows an empty value", () => {
  assert.deepEqual(parseRowFilter("Hostname=node-7"), { column: "Hostname", value: "node-7" });
  assert.deepEqual(parseRowFilter('labels_raw=a="b"'), { column: "labels_raw", value: 'a="b"' });
  assert.deepEqual(parseRowFilter("container="), { column: "container", value: "" });
  for (const text of ["Hostname", "=x", ""]) {
    assert.throws(() => parseRowFilter(text), {
      name: "RangeError",
      message: `Not COLUMN=VALUE: "${text}"`,
    });
  }
});

Deno.test("parseShard reads a one-based K/N and refuses K outside 1..N", () => {
  assert.deepEqual(parseShard("1/1"), { index: 1, count: 1 });
  assert.deepEqual(parseShard("2/4"), { index: 2, count: 4 });
  assert.deepEqual(parseShard("4/4"), { index: 4, count: 4 });
  for (const text of ["3/2", "0/2", "1/0", "2", "1/2/3", "-1/2", "a/b", "1 /2"]) {
    assert.throws(() => parseShard(text), { name: "RangeError" }, text);
  }
});

import assert from "node:assert/strict";
import { bearerToken, isLoopbackHost, TokenCheck } from "../../src/net/token.ts";

Deno.test("TokenCheck matches only the exact token", () => {
  const check = new TokenCheck("s3cret");
  assert.equal(check.matches("s3cret"), true);
  for (const wrong of ["", "s3cre", "s3cret ", "S3cret", "s3cret\0", undefined, null]) {
    assert.equal(check.matches(wrong), false, String(wrong));
  }
  assert.equal(check.matches("x".repeat(5000)), false);
});

Deno.test("TokenCheck refuses an empty or overlong expected token", () => {
  assert.throws(() => new TokenCheck(""), /token must be 1 to 4096 characters/);
  assert.throws(() => new TokenCheck("x".repeat(4097)), RangeError);
});

Deno.test("bearerToken reads the Bearer scheme in any case and nothing else", () => {
  assert.equal(bearerToken("Bearer abc"), "abc");
  assert.equal(bearerToken("bearer  abc "), "abc");
  assert.equal(bearerToken("Basic abc"), undefined);
  assert.equal(bearerToken("Bearer"), undefined);
  assert.equal(bearerToken("Bearer a b"), undefined);
  assert.equal(bearerToken(null), undefined);
});

Deno.test("isLoopbackHost tells loopback addresses from the rest", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"]) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ["0.0.0.0", "::", "10.0.0.5", "example.com", "128.0.0.1"]) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});

import assert from "node:assert/strict";
import { createApiApp } from "../../src/api/app.ts";
import { DASHBOARD_ASSETS } from "../../src/api/dashboard/mod.ts";

const TOKEN = "T0ken";
const app = createApiApp({ reader: () => undefined }, { guard: { token: TOKEN } });

Deno.test("GET / serves the dashboard without a token while the API still needs one", async () => {
  const res = await app.request("/");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=UTF-8");
  assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'self'/);
  const html = await res.text();
  assert.match(html, /<script type="module" src="\/dashboard\/app\.js"><\/script>/);
  assert.equal(/https?:\/\//.test(html), false, "no CDN");
  const api = await app.request("/api/v1/gpus");
  assert.equal(api.status, 401);
  await api.body?.cancel();
});

Deno.test("every file the page and its modules load is served locally, without a token", async () => {
  const html = await (await app.request("/")).text();
  const wanted = new Set(
    [...html.matchAll(/(?:src|href)="\/dashboard\/([^"]+)"/g)].map((m) => m[1]),
  );
  for (const asset of DASHBOARD_ASSETS.values()) {
    for (const m of asset.body.matchAll(/from "\.\/([a-z_]+\.js)"/g)) wanted.add(m[1]);
  }
  assert.deepEqual([...wanted].sort(), [...DASHBOARD_ASSETS.keys()].sort());
  for (const name of wanted) {
    const res = await app.request(`/dashboard/${name}`);
    assert.equal(res.status, 200, name);
    const type = name.endsWith(".css") ? "text/css" : "text/javascript";
    assert.equal(res.headers.get("content-type"), `${type}; charset=utf-8`, name);
    const body = await res.text();
    assert.equal(body.length > 100, true, name);
    assert.equal(
      /https?:\/\/(?!www\.w3\.org)/.test(body) && !name.startsWith("uPlot"),
      false,
      name,
    );
  }
  const uplot = await (await app.request("/dashboard/uPlot.iife.min.js")).text();
  assert.match(uplot, /var uPlot=/);
});

Deno.test("GET /dashboard/{asset} answers 404 problem+json for anything else", async () => {
  for (
    const path of ["/dashboard/", "/dashboard/x.js", "/dashboard/..%2Fapp.ts", "/dashboard/mod.ts"]
  ) {
    const res = await app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 404, path);
    assert.equal(res.headers.get("content-type"), "application/problem+json", path);
    await res.body?.cancel();
  }
});

Deno.test("the dashboard is served while the api role cannot read its data dir", async () => {
  const failing = createApiApp({
    reader: () => undefined,
    refresh: () => Promise.reject(new Error("EIO")),
  });
  const page = await failing.request("/");
  assert.equal(page.status, 200);
  await page.body?.cancel();
  const js = await failing.request("/dashboard/app.js");
  assert.equal(js.status, 200);
  await js.body?.cancel();
  const api = await failing.request("/api/v1/gpus");
  assert.equal(api.status, 503);
  await api.body?.cancel();
});

Deno.test("the dashboard stays out of the OpenAPI document", async () => {
  const open = createApiApp({ reader: () => undefined });
  const spec = await (await open.request("/openapi.json")).json();
  const paths = Object.keys(spec.paths);
  assert.equal(paths.includes("/"), false);
  assert.equal(paths.some((p) => p.startsWith("/dashboard")), false);
});

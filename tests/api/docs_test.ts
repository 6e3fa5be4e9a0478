import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createApiApp } from "../../src/api/app.ts";
import { SwaggerUi } from "../../src/api/docs.ts";

const app = createApiApp({ reader: () => undefined });

Deno.test("GET /docs serves Swagger UI pointing at /openapi.json, with its assets served locally", async () => {
  const res = await app.request("/docs");
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "text/html; charset=UTF-8");
  const html = await res.text();
  assertEquals(html.includes('<script src="/docs/swagger-ui-bundle.js"></script>'), true);
  assertEquals(html.includes('SwaggerUIBundle({ url: "/openapi.json"'), true);
  assertEquals(/https?:\/\//.test(html), false, "no CDN");
  const js = await app.request("/docs/swagger-ui-bundle.js");
  assertEquals([js.status, js.headers.get("content-type")], [
    200,
    "text/javascript; charset=utf-8",
  ]);
  assertEquals((await js.text()).includes("SwaggerUIBundle"), true);
  const css = await app.request("/docs/swagger-ui.css");
  assertEquals(css.headers.get("content-type"), "text/css; charset=utf-8");
  await css.body?.cancel();
});

Deno.test("GET /docs/{asset} answers 404 problem+json for anything but the listed assets", async () => {
  for (
    const path of ["/docs/package.json", "/docs/..%2F..%2Fdeno.json", "/docs/index.html", "/docs/x"]
  ) {
    const res = await app.request(path);
    assertEquals(res.status, 404, path);
    assertEquals(res.headers.get("content-type"), "application/problem+json", path);
    await res.body?.cancel();
  }
});

Deno.test("SwaggerUi falls back to a self-contained list of operations when its assets are missing", async () => {
  const ui = new SwaggerUi("/openapi.json");
  // Simulate a build without the package files: the bundle cannot be found.
  ui.asset = () => Promise.resolve(undefined);
  const html = await ui.page(() =>
    Promise.resolve({ paths: { "/api/v1/gpus": { get: { summary: "List <GPUs>" } } } })
  );
  assertEquals(
    html.includes("<td>GET</td><td><code>/api/v1/gpus</code></td><td>List &#60;GPUs&#62;</td>"),
    true,
  );
  assertEquals(html.includes("swagger-ui-bundle"), false);
});

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { OPENAPI_PATH, openApiText } from "../../src/api/write_openapi.ts";

Deno.test("The committed docs/openapi.json matches the routes (run `deno task openapi` after changing them)", async () => {
  const committed = await Deno.readTextFile(new URL(`../../${OPENAPI_PATH}`, import.meta.url));
  assertEquals(committed, await openApiText());
});

Deno.test("docs/openapi.json is OpenAPI 3.1 and lists the telemetry routes and /metrics", async () => {
  const doc = JSON.parse(await openApiText());
  assertEquals(doc.openapi, "3.1.0");
  for (const path of ["/api/v1/gpus", "/api/v1/gpus/{id}/telemetry", "/metrics"]) {
    assertEquals(typeof doc.paths[path]?.get, "object", path);
  }
  assertEquals(Object.keys(doc.paths["/metrics"].get.responses["200"].content), ["text/plain"]);
});

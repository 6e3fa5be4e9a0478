/**
 * `deno task openapi`: writes the query API's OpenAPI document, generated
 * from the route definitions, to `docs/openapi.json`. A test fails when the
 * committed file differs from what the code generates.
 *
 * @example
 * ```sh
 * deno task openapi            # writes docs/openapi.json
 * deno run -R src/api/write_openapi.ts --stdout
 * ```
 *
 * @module
 */

import { createApiApp } from "./app.ts";

/** Where `deno task openapi` writes the document, relative to the repository root. */
export const OPENAPI_PATH = "docs/openapi.json";

/**
 * The OpenAPI document as `deno task openapi` writes it: the app's
 * `/openapi.json`, pretty-printed with two spaces and a final newline.
 */
export async function openApiText(): Promise<string> {
  const app = createApiApp({ reader: () => undefined });
  const res = await app.request("/openapi.json");
  if (!res.ok) throw new Error(`/openapi.json answered ${res.status}`);
  return JSON.stringify(await res.json(), null, 2) + "\n";
}

if (import.meta.main) {
  const text = await openApiText();
  if (Deno.args.includes("--stdout")) {
    await Deno.stdout.write(new TextEncoder().encode(text));
  } else {
    const path = new URL(`../../${OPENAPI_PATH}`, import.meta.url);
    await Deno.writeTextFile(path, text);
    console.log(`wrote ${OPENAPI_PATH}`);
  }
}

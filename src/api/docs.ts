/**
 * `GET /docs`: Swagger UI over `/openapi.json`, served from the
 * `swagger-ui-dist` npm package (through the import map), so it works on
 * air-gapped hosts: no CDN is contacted. Where the package's files cannot be
 * read (a build without them), `/docs` serves a small self-contained page
 * that lists the operations of the OpenAPI document instead.
 *
 * @module
 */

import { getAbsoluteFSPath } from "swagger-ui-dist";
import { join } from "node:path";

/** The Swagger UI assets `/docs/{asset}` serves, with their content types. */
export const DOCS_ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/** One asset: its bytes and content type. */
export interface DocsAsset {
  /** The bytes. */
  body: Uint8Array;
  /** The content type. */
  contentType: string;
}

/** Serves the Swagger UI page and assets, reading each asset once. */
export class SwaggerUi {
  readonly #specUrl: string;
  readonly #cache = new Map<string, Promise<DocsAsset | undefined>>();

  /**
   * Serves Swagger UI pointed at `specUrl`.
   * @param specUrl where the page fetches the OpenAPI document
   */
  constructor(specUrl = "/openapi.json") {
    this.#specUrl = specUrl;
  }

  /**
   * An asset by name, or `undefined` when it is not one of
   * {@linkcode DOCS_ASSETS} or the package's files cannot be read.
   */
  asset(name: string): Promise<DocsAsset | undefined> {
    const contentType = Object.hasOwn(DOCS_ASSETS, name) ? DOCS_ASSETS[name] : undefined;
    if (contentType === undefined) return Promise.resolve(undefined);
    let found = this.#cache.get(name);
    if (found === undefined) {
      found = readAsset(name).then((body) => body && { body, contentType });
      this.#cache.set(name, found);
    }
    return found;
  }

  /**
   * The `/docs` page: Swagger UI when its assets are readable, else the
   * fallback listing of `spec`'s operations.
   *
   * @param spec loads the OpenAPI document (called by the fallback only)
   */
  async page(spec: () => Promise<unknown>): Promise<string> {
    const bundle = await this.asset("swagger-ui-bundle.js");
    if (bundle !== undefined) return swaggerPage(this.#specUrl);
    return fallbackPage(await spec(), this.#specUrl);
  }
}

async function readAsset(name: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(join(getAbsoluteFSPath(), name));
  } catch {
    return undefined;
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function swaggerPage(specUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gputel query API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: "#swagger-ui" });
</script>
</body>
</html>
`;
}

function fallbackPage(spec: unknown, specUrl: string): string {
  const paths = (spec as { paths?: Record<string, Record<string, { summary?: string }>> })?.paths ??
    {};
  const rows = Object.entries(paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) =>
      `<tr><td>${escapeHtml(method.toUpperCase())}</td><td><code>${escapeHtml(path)}</code></td>` +
      `<td>${escapeHtml(op.summary ?? "")}</td></tr>`
    )
  );
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>gputel query API</title></head>
<body>
<h1>gputel query API</h1>
<p>Swagger UI is not bundled in this build. The full description is at
<a href="${escapeHtml(specUrl)}">${escapeHtml(specUrl)}</a>.</p>
<table>
<tr><th>method</th><th>path</th><th>summary</th></tr>
${rows.join("\n")}
</table>
</body>
</html>
`;
}

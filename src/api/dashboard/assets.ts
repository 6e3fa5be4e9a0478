/**
 * The dashboard's files, embedded in the module graph as text imports so
 * `deno compile` carries them without `--include`: the page, its style, its
 * ES modules and uPlot (from the `uplot` npm package) for the charts. No
 * CDN, no build step: the browser runs these files as they are.
 *
 * @module
 */

import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import indexHtml from "./static/index.html" with { type: "text" };
import styleCss from "./static/style.css" with { type: "text" };
import apiJs from "./static/api.js" with { type: "text" };
import appJs from "./static/app.js" with { type: "text" };
import fleetJs from "./static/fleet.js" with { type: "text" };
import gpuViewJs from "./static/gpu_view.js" with { type: "text" };
import modelJs from "./static/model.js" with { type: "text" };
import tableJs from "./static/table.js" with { type: "text" };

/** One file the dashboard serves. */
export interface DashboardAsset {
  /** The file's text. */
  body: string;
  /** Its content type. */
  contentType: string;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** The page at `GET /`. */
export const DASHBOARD_PAGE: string = indexHtml;

/** Where the assets are served: `GET /dashboard/{name}`. */
export const DASHBOARD_ASSET_PREFIX = "/dashboard/";

/** The assets by name. */
export const DASHBOARD_ASSETS: ReadonlyMap<string, DashboardAsset> = new Map([
  ["uPlot.min.css", { body: uplotCss, contentType: CSS }],
  ["uPlot.iife.min.js", { body: uplotJs, contentType: JS }],
  ["style.css", { body: styleCss, contentType: CSS }],
  ["api.js", { body: apiJs, contentType: JS }],
  ["app.js", { body: appJs, contentType: JS }],
  ["fleet.js", { body: fleetJs, contentType: JS }],
  ["gpu_view.js", { body: gpuViewJs, contentType: JS }],
  ["model.js", { body: modelJs, contentType: JS }],
  ["table.js", { body: tableJs, contentType: JS }],
]);

/**
 * Draws a curve report as an SVG: Vega-Lite compiles a small spec, Vega
 * renders it headless (`renderer: "none"`, `toSVG()`), no canvas or browser.
 * One panel per measured quantity, side by side, sharing the x axis; one
 * line per series.
 *
 * @module
 */
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** One measured quantity, drawn in its own panel. */
export interface Panel {
  /** Field of each point holding the value. */
  field: string;
  /** Axis title, with its unit. */
  title: string;
  /** Log scale (for quantities spanning decades). */
  log?: boolean;
  /** Start the axis at zero (the default for linear axes). */
  zero?: boolean;
}

/** How a curve is drawn. */
export interface ChartSpec {
  /** Chart title. */
  title: string;
  /** Field of each point holding x. */
  x: string;
  /** X axis title, with its unit. */
  xTitle: string;
  /** Log scale on x (the default: the curves span decades). */
  xLog?: boolean;
  /** Panels, left to right. */
  panels: Panel[];
  /** A line under the title (machine, date, mode). */
  subtitle?: string;
}

/** Renders `points` (objects with `series`, the x field and each panel's field) as SVG text. */
export async function renderSvg(
  chart: ChartSpec,
  points: readonly Record<string, unknown>[],
): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: chart.title, subtitle: chart.subtitle },
    data: { values: points as Record<string, unknown>[] },
    config: {
      font: "sans-serif",
      view: { stroke: "#ccc" },
      legend: { orient: "bottom", labelLimit: 400, columns: 2 },
    },
    hconcat: chart.panels.map((p) => ({
      width: 250,
      height: 220,
      mark: { type: "line", point: true, tooltip: false },
      transform: [{ filter: `isValid(datum[${JSON.stringify(p.field)}])` }],
      encoding: {
        x: {
          field: chart.x,
          type: "quantitative",
          title: chart.xTitle,
          scale: chart.xLog === false ? { zero: false } : { type: "log", nice: false },
          axis: { tickCount: 6 },
        },
        y: {
          field: p.field,
          type: "quantitative",
          title: p.title,
          scale: p.log ? { type: "log" } : { zero: p.zero ?? true },
        },
        color: { field: "series", type: "nominal", title: null },
      },
    })),
  };
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

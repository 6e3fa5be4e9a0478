import assert from "node:assert/strict";
import { checkExposition, type PromSample } from "../obs/_prom_check.ts";
import { getJson, Gputel, ROOT, startAllInOne, waitUntil } from "./_harness.ts";

const DASHBOARD = `${ROOT}deploy/grafana/gputel.json`;

// PromQL words that are not metric names: functions, aggregations, keywords.
const PROMQL_WORDS = new Set([
  "sum",
  "avg",
  "min",
  "max",
  "count",
  "quantile",
  "topk",
  "bottomk",
  "rate",
  "irate",
  "increase",
  "by",
  "without",
  "on",
  "ignoring",
  "label_values",
  "and",
  "or",
  "unless",
  "offset",
]);

/** The metric names and the label names one PromQL expression (or `label_values(…)`) uses. */
function promqlNames(expr: string): { metrics: Set<string>; labels: Set<string> } {
  const labels = new Set<string>();
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""'); // string literals
  for (const m of rest.matchAll(/\{([^}]*)\}/g)) {
    for (const l of m[1].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.add(l[1]);
  }
  for (const m of rest.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const l of m[1].split(",")) if (l.trim()) labels.add(l.trim());
  }
  const lv = rest.match(/^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/);
  if (lv) {
    labels.add(lv[2]);
    rest = lv[1];
  }
  rest = rest.replace(/\{[^}]*\}/g, " ").replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without)\s*\([^)]*\)/g, " ");
  const metrics = new Set<string>();
  for (const m of rest.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (!PROMQL_WORDS.has(m[0])) metrics.add(m[0]);
  }
  return { metrics, labels };
}

interface Dashboard {
  panels: { targets?: { expr: string }[] }[];
  templating: { list: { type: string; query: string | { query: string } }[] };
}

function dashboardExprs(d: Dashboard): string[] {
  const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  for (const v of d.templating.list) {
    if (v.type === "query") exprs.push(typeof v.query === "string" ? v.query : v.query.query);
  }
  return exprs;
}

Deno.test("promqlNames finds metrics and labels, not functions, ranges or label values", () => {
  const { metrics, labels } = promqlNames(
    'sum by (Hostname) (rate(a_total{gpu=~"$gpu", x="by (y)"}[5m])) / b * 100',
  );
  assert.deepEqual([...metrics].sort(), ["a_total", "b"]);
  assert.deepEqual([...labels].sort(), ["Hostname", "gpu", "x"]);
  const lv = promqlNames('label_values(DCGM_FI_DEV_GPU_UTIL{Hostname=~"$Hostname"}, gpu)');
  assert.deepEqual([...lv.metrics], ["DCGM_FI_DEV_GPU_UTIL"]);
  assert.deepEqual([...lv.labels].sort(), ["Hostname", "gpu"]);
});

Deno.test("every metric and label deploy/grafana/gputel.json queries is exported by a live broker,collect", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-grafana-" });
  try {
    await checkDashboard(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Scrapes a live broker,collect on `dir` (stopped on return) and checks the dashboard against it. */
async function checkDashboard(dir: string): Promise<void> {
  const { proc, port, admin, api } = await startAllInOne(dir, ["--id", "c1"]);
  await using _server = proc;
  const stream = new Gputel([
    ...["stream", "--csv", `${ROOT}data/sample.csv`, "--rate", "0", "--no-loop"],
    ...["--broker", `127.0.0.1:${port}`],
  ]);
  const streamed = await stream.wait();
  assert.equal(streamed.code, 0, streamed.output);
  await waitUntil("1,920 records", async () => {
    const stats = await getJson<{ records_total: number }>(`http://127.0.0.1:${api}/stats`);
    return stats.records_total >= 1920;
  });
  const samples: PromSample[] = [];
  for (const url of [`http://127.0.0.1:${admin}/metrics`, `http://127.0.0.1:${api}/metrics`]) {
    samples.push(...checkExposition(await (await fetch(url)).text()));
  }
  const labelsOf = new Map<string, Set<string>>();
  for (const s of samples) {
    const set = labelsOf.get(s.name) ?? new Set();
    for (const m of s.labels.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) set.add(m[1]);
    labelsOf.set(s.name, set);
  }

  const dashboard: Dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD));
  const exprs = dashboardExprs(dashboard);
  assert.equal(exprs.length > 20, true);
  const named = new Set<string>();
  for (const expr of exprs) {
    const { metrics, labels } = promqlNames(expr);
    assert.equal(metrics.size > 0, true, expr);
    for (const metric of metrics) {
      named.add(metric);
      assert.equal(labelsOf.has(metric), true, `${metric} (in ${expr}) is not exported`);
      for (const label of labels) {
        // A label a query filters or groups by is on at least one metric of the query.
        const somewhere = [...metrics].some((m) => labelsOf.get(m)?.has(label));
        assert.equal(somewhere, true, `label ${label} of ${expr} is on none of its metrics`);
      }
    }
  }
  // The health row names broker lag, dead letters and collector rounds and errors.
  for (
    const m of [
      "gputel_group_lag",
      "gputel_group_dead_lettered_total",
      "gputel_collector_batches_total",
      "gputel_collector_checkpoint_failures_total",
    ]
  ) assert.equal(named.has(m), true, m);
}

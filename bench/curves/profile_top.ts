/**
 * `deno run -A bench/curves/profile_top.ts FILE.cpuprofile [N]`: the
 * functions with the most self time in a V8 CPU profile (as written by
 * `--cpu-prof`, e.g. with `GPUTEL_BENCH_PROF=DIR deno task curves …`),
 * with their share of the sampled time. Evidence for where a curve bends.
 *
 * @module
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** A V8 CPU profile: nodes, the node of each sample, the time between samples (µs). */
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name, file, line), largest first, in ms and % of all samples. */
export function topSelfTime(profile: CpuProfile, n: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const file = f.url.replace(/^.*\/(src|bench|ext:)/, "$1");
    const name = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) =>
    `${(us / 1000).toFixed(0).padStart(7)} ms ${
      (us / total * 100).toFixed(1).padStart(5)
    }%  ${name}`
  );
}

if (import.meta.main) {
  const [file, n] = Deno.args;
  if (!file) {
    console.error("usage: profile_top.ts FILE.cpuprofile [N=25]");
    Deno.exit(2);
  }
  const profile = JSON.parse(await Deno.readTextFile(file)) as CpuProfile;
  for (const line of topSelfTime(profile, Number(n ?? 25))) console.log(line);
}

/**
 * Machine-wide CPU use over a window, from /proc/stat: how busy all cores
 * were while a point was measured, so a report can tell the bench's own
 * processes from the other work on a shared machine.
 *
 * @module
 */

/** Busy and total jiffies of all CPUs together. */
interface CpuTicks {
  busy: number;
  total: number;
}

function readTicks(): CpuTicks {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0); // idle + iowait
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Starts a window; `end()` gives the machine's busy CPU in % of one core. */
export function machineCpuWindow(): { end(): number } {
  const a = readTicks();
  return {
    end() {
      const b = readTicks();
      const cores = navigator.hardwareConcurrency;
      const total = b.total - a.total;
      return total > 0 ? Math.round(((b.busy - a.busy) / total) * cores * 1000) / 10 : NaN;
    },
  };
}

/**
 * CPU time and memory of a running process, from Linux's /proc.
 *
 * @module
 */

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
export const CLK_TCK = 100;

/** A process's CPU ticks so far (utime + stime), RSS now and peak RSS, in kB. */
export interface ProcStat {
  ticks: number;
  rssKb: number;
  hwmKb: number;
}

/** Reads `pid`'s CPU ticks and RSS. @throws {Deno.errors.NotFound} when it is gone */
export function procStat(pid: number): ProcStat {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { ticks, rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
}

/** CPU use between two readings `seconds` apart, in % of one core. */
export function cpuPercent(a: ProcStat, b: ProcStat, seconds: number): number {
  return ((b.ticks - a.ticks) / CLK_TCK) / seconds * 100;
}

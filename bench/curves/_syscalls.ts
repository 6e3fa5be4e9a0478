/**
 * Counts a process's system calls of a few kinds over a window with
 * `perf stat` on the kernel's syscall tracepoints (counting only: no
 * sampling, no tracing overhead worth the name), so a curve can say which
 * calls per row grow where it bends. Without `perf` (or without permission
 * for tracepoints) the counts are empty and the curve goes on.
 *
 * @module
 */

/** The calls counted: files opened and closed, writes, syncs. */
export const SYSCALLS = ["openat", "close", "write", "pwrite64", "fdatasync", "read", "sendto"];

/** A running count; `stop()` gives calls per name (empty when perf could not count). */
export interface SyscallCount {
  stop(): Promise<Record<string, number>>;
}

/** Starts counting `pid`'s system calls (all its threads) until `stop()`. */
export function countSyscalls(pid: number): SyscallCount {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("perf", {
      args: [
        "stat",
        "-x,",
        ...SYSCALLS.flatMap((s) => ["-e", `syscalls:sys_enter_${s}`]),
        "-p",
        String(pid),
      ],
      stdout: "null",
      stderr: "piped",
      stdin: "null",
    }).spawn();
  } catch {
    return { stop: () => Promise.resolve({}) };
  }
  return {
    async stop() {
      try {
        child.kill("SIGINT");
      } catch {
        // exited by itself (perf missing or refused)
      }
      const out = await child.output();
      const counts: Record<string, number> = {};
      for (const line of new TextDecoder().decode(out.stderr).split("\n")) {
        const [value, , event] = line.split(",");
        const name = /sys_enter_(\w+)/.exec(event ?? "")?.[1];
        if (name && /^\d+$/.test(value)) counts[name] = Number(value);
      }
      return counts;
    },
  };
}

/**
 * The raw-TCP ceiling: bytes pumped over loopback between two Deno processes.
 *
 * @module
 */
import { type BenchResult, round } from "./_result.ts";
import { freePort, Proc, ROOT } from "./_procs.ts";

const SCRIPT = `${ROOT}bench/raw_tcp.ts`;

/** One raw-TCP row; msgs/s is what the bytes would be as 256-byte messages. */
export async function benchRawTcp(bytes: number, size: number): Promise<BenchResult> {
  const port = freePort();
  const recv = Proc.deno("raw-recv", SCRIPT, [
    "recv",
    "--port",
    String(port),
    "--bytes",
    String(bytes),
  ]);
  try {
    await recv.json();
    const send = Proc.deno("raw-send", SCRIPT, [
      "send",
      "--port",
      String(port),
      "--bytes",
      String(bytes),
    ]);
    const r = await recv.json<{ bytes: number; start: number; end: number }>();
    await send.finish();
    const seconds = (r.end - r.start) / 1000;
    return {
      scenario: "1 sender + 1 receiver",
      system: "raw-tcp (loopback)",
      msgs_per_s: Math.round(r.bytes / size / seconds),
      mb_per_s: round(r.bytes / 1e6 / seconds),
      p50_ms: null,
      p99_ms: null,
      persisted: false,
      acked: false,
      note: `${size}-byte messages equivalent`,
    };
  } finally {
    await recv.stop();
  }
}

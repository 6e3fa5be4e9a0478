/**
 * Runs a gputel checkout's `main()` with a sampler beside it: every 200 ms
 * one line of `Deno.memoryUsage()` (bytes) is appended to a file, so a
 * benchmark can say what a process's RSS is made of (V8 heap, external
 * buffers, and the rest: native). Used by `bench/stream_ab.ts`.
 *
 * ```sh
 * deno run -A bench/_mem_probe.ts samples.jsonl /path/to/checkout/main.ts stream --csv …
 * ```
 *
 * @module
 */
const [out, entry, ...args] = Deno.args;
if (out === undefined || entry === undefined) {
  console.error("usage: _mem_probe.ts SAMPLES_FILE MAIN_TS [gputel args…]");
  Deno.exit(2);
}
const file = await Deno.open(out, { create: true, append: true });
const line = new TextEncoder();
const sample = () => {
  const m = Deno.memoryUsage();
  file.writeSync(line.encode(JSON.stringify({ t: Math.round(performance.now()), ...m }) + "\n"));
};
sample();
const timer = setInterval(sample, 200);
const { main } = await import(new URL(entry, `file://${Deno.cwd()}/`).href);
const code: number = await main(args);
clearInterval(timer);
sample();
file.close();
Deno.exit(code);

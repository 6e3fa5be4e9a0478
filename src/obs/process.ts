/**
 * The process's own memory, for `/stats` and `/metrics`: what operators
 * compare with the memory bounds (`--cache-bytes`, `--max-topic-bytes`,
 * `--max-memory`).
 *
 * @module
 */
import type { PromText } from "./prometheus.ts";

/** Memory of this process, bytes. */
export interface ProcessMemory {
  /** Resident set size. */
  rss_bytes: number;
  /** V8 heap in use. */
  heap_used_bytes: number;
  /** Memory outside the V8 heap held by JavaScript objects (buffers, mostly). */
  external_bytes: number;
}

/** This process's memory now. */
export function processMemory(): ProcessMemory {
  const m = Deno.memoryUsage();
  return { rss_bytes: m.rss, heap_used_bytes: m.heapUsed, external_bytes: m.external };
}

/** Adds `process_resident_memory_bytes` and the V8 figures to an exposition. */
export function processMetrics(p: PromText, m: ProcessMemory = processMemory()): void {
  p.sample("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", m.rss_bytes);
  p.sample("gputel_heap_used_bytes", "gauge", "V8 heap in use, bytes.", m.heap_used_bytes);
  p.sample(
    "gputel_external_memory_bytes",
    "gauge",
    "Memory held by JavaScript objects outside the V8 heap (buffers), bytes.",
    m.external_bytes,
  );
}

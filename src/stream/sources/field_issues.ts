/**
 * Which fields a live source found unsupported or failing, per GPU: each
 * GPU-and-field pair is counted once, and a GPU's new pairs of one reading
 * are logged in one line, however many readings repeat them.
 *
 * @module
 */
import type { Logger } from "../../obs/log.ts";

/** Counts and logs, once per GPU and field, fields a GPU does not give. */
export class FieldIssues {
  readonly #seen = new Set<string>();
  readonly #log: Logger;
  #pending = new Map<string, string[]>();
  /** GPU-and-field pairs left out as unsupported. */
  unsupported = 0;
  /** GPU-and-field pairs that failed with another error (left out too). */
  failing = 0;

  /**
   * Creates a tracker that logs to `log`.
   * @param log where the lines go
   */
  constructor(log: Logger) {
    this.#log = log;
  }

  /**
   * Notes that `gpu` did not give `field`; counts it the first time only.
   * Call {@linkcode FieldIssues.flush} after the GPU's reading to log.
   *
   * @param gpu the GPU's UUID
   * @param field the metric (or metrics) left out
   * @param why the source's words, e.g. "NVML: Not Supported"
   * @param kind `unsupported`, or `error` for any other failure
   */
  note(gpu: string, field: string, why: string, kind: "unsupported" | "error"): void {
    const id = `${gpu}\u0000${field}`;
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    if (kind === "error") this.failing++;
    else this.unsupported++;
    const line = `${kind === "error" ? "failed" : "not supported"} (${why})`;
    const fields = this.#pending.get(line) ?? [];
    fields.push(field);
    this.#pending.set(line, fields);
  }

  /** Logs what {@linkcode FieldIssues.note} found new for `gpu`: one line per reason. */
  flush(gpu: string): void {
    if (this.#pending.size === 0) return;
    for (const [line, fields] of this.#pending) {
      const msg = `${gpu}: ${fields.join(", ")} ${line}; leaving ${
        fields.length > 1 ? "them" : "it"
      } out`;
      if (line.startsWith("failed")) this.#log.warn(msg);
      else this.#log.info(msg);
    }
    this.#pending = new Map();
  }
}

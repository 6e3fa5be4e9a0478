/**
 * The `stream` role on a live source (`--source nvml`, `nvidia-smi`,
 * `scrape`): reads the GPUs every interval, keys each GPU's sample by its
 * UUID, and publishes it without ever making the reading wait on the broker.
 * Samples wait in a `DropOldestBuffer` of `bufferMessages`; while
 * the broker is away they pile up there (and in the publisher, which resends
 * what it had on reconnect); past the buffer the oldest waiting samples are
 * dropped, counted (`dropped=`) and logged once per episode.
 *
 * @module
 */
import type { LiveStreamOptions, LiveStreamResult } from "./live_options.ts";
import { LiveRun } from "./live_run.ts";

export {
  LIVE_PUBLISHER_WINDOW,
  type LiveStreamOptions,
  type LiveStreamResult,
} from "./live_options.ts";

/**
 * Runs until the signal or `durationMs`, then drains: every sample read is,
 * at the end, confirmed, counted in `dropped`, or counted in `unconfirmed`
 * (`rowsRead - skipped = confirmed + dropped + unconfirmed`); `skipped` counts
 * samples outside `--filter`/`--shard` and those the collector would refuse
 * (`rejected`: see `src/record/limits.ts`).
 *
 * @throws {RangeError} naming a bad option; what the source throws
 */
export function runLiveStream(o: LiveStreamOptions): Promise<LiveStreamResult> {
  return new LiveRun(o).run();
}

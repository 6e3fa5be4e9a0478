/**
 * A GPU file as the collector's store follows it.
 *
 * @module
 */

import type { GpuFile } from "../query/stored_reads.ts";
import type { FileTail } from "./file_tail.ts";

/** A GPU file the store appends to; `index.size` is its committed size. */
export interface StoreFile extends GpuFile {
  /** Its committed bytes not yet written to the file. */
  tail?: FileTail;
  /** Lines indexed that were no record. */
  corrupt?: number;
}

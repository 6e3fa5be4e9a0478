/**
 * The checks made on a CSV before streaming starts: is it text at all, and
 * does its header name a GPU key column? Pure: it looks at the file's first
 * bytes, which the caller reads.
 *
 * @module
 */
import { CsvRecordParser } from "./csv_parser.ts";
import { normalizeHeader } from "./csv_header.ts";
import { GPU_INDEX_COLUMN, GPU_UUID_COLUMNS } from "../record/columns.ts";

/** How many leading bytes {@linkcode csvStartProblem} looks at: 64 KiB. */
export const INSPECT_BYTES = 65_536;

/**
 * Why a file starting with `head` cannot be streamed, or `undefined` when it
 * can (or when its header line is not complete yet: a followed file may
 * still be empty).
 *
 * - a NUL byte in `head` means it is not text: "not a CSV";
 * - a header without any GPU key column (`uuid`, `UUID`, `gpu_uuid`,
 *   `gpu_id`, or the `key` override) would make every row unkeyed.
 *
 * @param head the file's first bytes (up to {@linkcode INSPECT_BYTES})
 * @param key the `--key` column, if given
 * @returns the problem as the end of a sentence starting with the file's name
 *
 * @example
 * ```ts
 * csvStartProblem(new TextEncoder().encode("host,temperature\nh1,40\n"));
 * // "has no GPU key column: looked for uuid, UUID, gpu_uuid, gpu_id (use --key COLUMN to name one)"
 * ```
 */
export function csvStartProblem(head: Uint8Array, key?: string): string | undefined {
  const nul = head.subarray(0, INSPECT_BYTES).indexOf(0);
  if (nul !== -1) {
    return `is not a CSV: byte ${nul} is NUL (a binary file?)`;
  }
  const parser = new CsvRecordParser({ skipTooLong: true });
  const text = new TextDecoder().decode(head.subarray(0, INSPECT_BYTES));
  const header = parser.push(text)[0];
  if (header === undefined || header.tooLong) return undefined;
  const names = normalizeHeader(header.values);
  const wanted = key === undefined ? [...GPU_UUID_COLUMNS, GPU_INDEX_COLUMN] : [key];
  if (wanted.some((name) => names.includes(name))) return undefined;
  return key === undefined
    ? `has no GPU key column: looked for ${wanted.join(", ")} (use --key COLUMN to name one)`
    : `has no column ${JSON.stringify(key)} to key messages by (--key); its columns: ${
      names.slice(0, 20).join(", ")
    }`;
}

/**
 * Reads up to {@linkcode INSPECT_BYTES} from the start of `path`.
 *
 * @throws file errors
 */
export async function readHead(path: string): Promise<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(INSPECT_BYTES);
  let n = 0;
  while (n < buf.length) {
    const got = await file.read(buf.subarray(n));
    if (got === null) break;
    n += got;
  }
  return buf.subarray(0, n);
}

#!/usr/bin/env bash
# Builds dist/gputel: main.ts, its npm dependencies, data/sample.csv (for `gputel demo`) and the
# Deno runtime in one executable that needs nothing else installed.
#
#   bash compile.sh                              # deno downloads its runtime (denort) once
#   DENORT_BIN=/path/to/denort bash compile.sh   # offline: use a local denort of this Deno version
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

readonly ENTRY="main.ts"
readonly SAMPLE="data/sample.csv"
readonly OUTPUT="dist/gputel"
readonly DENO="${DENO:-deno}"

# What the binary may do, and no more. Hosts, ports and paths come from flags at run time, so
# net, read and write cannot be narrowed to fixed values here.
readonly PERMISSIONS=(
  --allow-net            # listen on --host/--port/--admin-port/--api-port, connect to --broker
  --allow-read           # --csv and --data-dir, wherever they are
  --allow-write          # --data-dir: broker segments, JSONL per GPU, Deno KV checkpoint
  "--allow-env=GPUTEL_*,NODE_NAME" # GPUTEL_<FLAG> variables, and NODE_NAME (--hostname's default)
  --allow-ffi            # --source nvml: Deno.dlopen of libnvidia-ml.so.1
  --allow-run            # --source nvidia-smi: runs nvidia-smi (or --nvidia-smi PATH)
  --ignore-env           # any other variable reads as unset instead of throwing (npm code reads NODE_ENV)
  --allow-sys=hostname   # default --id
  --unstable-kv          # Deno KV checkpoints
  --unstable-raw-imports # the dashboard's files and uPlot, imported as text (src/api/dashboard/assets.ts)
)

# V8's default young generation lets a streamer's heap balloon between
# scavenges (~195 MB peak on a 2M-row CSV); 16 MiB semi-spaces hold it near
# 120 MB for ~4% of its throughput (bench/stream_throughput.ts).
readonly RUNTIME_FLAGS=(--v8-flags=--max-semi-space-size=16)

die() {
  printf 'compile.sh: %s\n' "$1" >&2
  exit 1
}

command -v "$DENO" >/dev/null || die "deno is not on PATH (or set DENO to its path)."
[[ -f $ENTRY ]] || die "$ENTRY is missing; run this from a complete gputel checkout."
[[ -f $SAMPLE ]] || die "$SAMPLE is missing; create it with 'deno task gen-data' first."

deno_version="$("$DENO" --version | awk 'NR == 1 { print $2 }')"
target="$("$DENO" eval --no-config 'console.log(Deno.build.target)')"

if [[ -n ${DENORT_BIN:-} ]]; then
  [[ -f $DENORT_BIN && -x $DENORT_BIN ]] ||
    die "DENORT_BIN is set to '$DENORT_BIN', which is not an executable file; point it at a denort $deno_version binary for $target, or unset it to let deno download one."
  export DENORT_BIN
fi

mkdir -p "$(dirname "$OUTPUT")"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

if ! "$DENO" compile "${PERMISSIONS[@]}" "${RUNTIME_FLAGS[@]}" --include "$SAMPLE" --output "$OUTPUT" "$ENTRY" 2>"$log"; then
  if [[ -z ${DENORT_BIN:-} ]] && grep -q 'denort' "$log" &&
    grep -qiE 'error sending request|dns error|failed to lookup|connect|timed out|certificate' "$log"; then
    url="$(grep -oE 'https://[^ )]*denort[^ )]*\.zip' "$log" | head -n 1 || true)"
    die "deno compile could not download the Deno runtime${url:+ ($url)} because this machine cannot reach it; set DENORT_BIN to a denort $deno_version binary for $target (unzip that file on a machine that can download it and copy it here; npm has no denort package, and the deno binary in npm's @deno/ packages is the full CLI, which does not work as DENORT_BIN)."
  fi
  cat "$log" >&2
  die "deno compile failed (its output is above)."
fi
cat "$log" >&2

# A deno CLI given as DENORT_BIN builds a file that ignores main.ts and behaves as deno itself.
if [[ -n ${DENORT_BIN:-} ]]; then
  first_line="$(timeout 10 "$OUTPUT" --version 2>&1 | head -n 1)" || true
  if [[ $first_line =~ ^deno\ [0-9] ]]; then
    rm -f "$OUTPUT"
    die "DENORT_BIN ($DENORT_BIN) is the deno CLI, not denort, so $OUTPUT ran as plain deno; point DENORT_BIN at a denort $deno_version binary for $target."
  fi
fi

bytes="$(wc -c <"$OUTPUT")"
printf 'compile.sh: built %s (%d bytes)\n' "$OUTPUT" "$bytes" >&2

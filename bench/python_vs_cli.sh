#!/usr/bin/env bash
# Chunk + BLAKE3 of one page-cached file: the Python package's chunk_file()
# (ctypes over the C ABI) next to `chunker chunk --hash blake3`, at 1 and 2
# threads, default sizes (256K/1M/4M), and at 16K/64K/256K (-64k-: 16x the
# chunks, so the per-chunk cost of the binding shows). Whole processes, interleaved A B A B;
# "py-*" includes interpreter start-up and import, the "inproc" column is the
# same call timed inside Python. Prints a table to stderr and JSON to stdout.
#   bash bench/python_vs_cli.sh [SIZE_MIB=256] [RUNS=5]
# Needs: build/native/chunker and build/native/libchunker.so
# (cmake --preset release && cmake --build --preset release), Debian's python3.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-256}
runs=${2:-5}
cli=${CHUNKER_CLI:-build/native/chunker}
export CHUNKER_LIBRARY=${CHUNKER_LIBRARY:-$PWD/build/native/libchunker.so}
py=/usr/bin/python3
source bench/lib.sh
file=$(random_file "$size_mib")
helper="$py bench/python_chunk_file.py $file --hash blake3"

cases=(
  "cli-1t|$cli chunk --hash blake3 --threads 1 $file"
  "py-path-1t|$helper --threads 1 --via path"
  "py-fileobj-1t|$helper --threads 1 --via fileobj"
  "py-stream-1t|$helper --threads 1 --via stream"
  "cli-2t|$cli chunk --hash blake3 --threads 2 $file"
  "py-path-2t|$helper --threads 2 --via path"
  "py-stream-2t|$helper --threads 2 --via stream"
  "cli-64k-1t|$cli chunk --hash blake3 --preset 64k --threads 1 $file"
  "py-path-64k-1t|$helper --preset 64k --threads 1 --via path"
)
# Same results first: chunk counts agree.
want=$($cli chunk --hash blake3 --threads 1 "$file" | wc -l)
for via in path fileobj stream; do
  got=$($helper --threads 1 --via "$via")
  [[ "$got" == "$want" ]] || { echo "python ($via) gave $got chunks, the CLI $want" >&2; exit 1; }
done
run_cases "$runs"
declare -A inproc=()
for c in "${cases[@]}"; do
  name=${c%%|*}
  [[ $name == py-* ]] || continue
  rest=${name#py-}; via=${rest%%-*}; threads=${name##*-}; threads=${threads%t}
  preset=default; [[ $rest == *-64k-* ]] && preset=64k
  inproc[$name]=$($helper --threads "$threads" --via "$via" --preset $preset --repeat "$runs")
done
printf '%-16s %10s %10s %12s %14s %14s\n' case MiB/s x_cli cpu_MiB/s inproc_MiB/s inproc_x_cli >&2
json="{\"benchmark\":\"python_vs_cli\",\"file_mib\":$size_mib,\"runs\":$runs,\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"results\":["
sep=""
for c in "${cases[@]}"; do
  name=${c%%|*}
  base=$name; [[ $name == py-* ]] && { rest=${name#py-}; base=cli-${rest#*-}; }
  rates "$name" "$base"
  if [[ -n "${inproc[$name]:-}" ]]; then
    irate=$(echo "$size_mib / ${inproc[$name]}" | bc -l)
    iratio=$(echo "${best_s[$base]} / ${inproc[$name]}" | bc -l)
    printf '%-16s %10.0f %10.2f %12.0f %14.0f %14.2f\n' "$name" "$rate" "$ratio" "$crate" "$irate" "$iratio" >&2
    extra=",\"inproc_mib_s\":$(printf %.1f "$irate"),\"inproc_vs_cli\":$(printf %.3f "$iratio")"
  else
    printf '%-16s %10.0f %10.2f %12.0f %14s %14s\n' "$name" "$rate" "$ratio" "$crate" - - >&2
    extra=""
  fi
  json+="$sep{\"case\":\"$name\",\"mib_s\":$(printf %.1f "$rate"),\"vs_cli\":$(printf %.3f "$ratio"),"
  json+="\"cpu_mib_s\":$(printf %.1f "$crate")$extra}"
  sep=","
done
echo "$json]}"

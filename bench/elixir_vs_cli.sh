#!/usr/bin/env bash
# Chunking + BLAKE3 of one page-cached file through the Elixir NIF
# (examples/elixir: Chunker.chunk_file, 256K/1M/4M, on the C ABI) next to the
# CLI doing the same (`chunker chunk --hash blake3`), interleaved A B A B, best
# of RUNS. The NIF's time is the call's, measured inside the VM (one call per
# fresh VM, as each CLI run is one fresh process); the VM's start-up (~0.2 s)
# is reported apart. Also: the NIF over the file read into a binary first
# (Chunker.chunk, read and first touch not timed) and over File.stream! in 1 MiB pieces
# (Chunker.Stream.chunks, reading included). CPU rates count every thread of
# the process. Prints a table to stderr and JSON to stdout; the machine's load
# average is in both.
#   bash bench/elixir_vs_cli.sh [SIZE_MIB=256] [RUNS=5]
# Needs: build/native (chunker_static, chunker_cli), elixir + erlang-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-256}
runs=${2:-5}
cli=${CHUNKER_CLI:-build/native/chunker}
source bench/lib.sh
[[ -x $cli && -f build/native/libchunker.a ]] ||
  { echo "build first: cmake --preset release && cmake --build --preset release --target chunker_cli chunker_static" >&2; exit 1; }
(cd examples/elixir && MIX_ENV=prod mix compile --no-deps-check >&2)
ebin=examples/elixir/_build/prod/lib/chunker/ebin
file=$(random_file "$size_mib")
tck=$(getconf CLK_TCK)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nif() {  # MODE THREADS -> "wall cpu chunks vm_wall"
  local TIMEFORMAT=%R vm
  vm=$( { time elixir -pa "$ebin" examples/elixir/bench/chunk_once.exs "$1" "$file" "$2" "$tck" > "$tmp/out"; } 2>&1 | tail -1)
  echo "$(cat "$tmp/out") $vm"
}
cli_run() {  # THREADS -> "wall cpu chunks"
  local t u
  read -r t u < <(time_cmd "$cli" chunk --hash blake3 --threads "$1" "$file")
  echo "$t $u -"
}

names=(cli-1t nif-file-1t cli-2t nif-file-2t nif-memory-2t nif-stream-2t)
declare -A best_s=() best_cpu_s=() chunks=() vm_s=()
expected=$("$cli" chunk --hash blake3 "$file" | wc -l)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 0; r < runs; r++)); do
  for name in "${names[@]}"; do
    threads=${name##*-}; threads=${threads%t}
    case $name in
      cli-*) out=$(cli_run "$threads") ;;
      nif-*) mode=${name#nif-}; mode=${mode%-*}; out=$(nif "$mode" "$threads") ;;
    esac
    read -r t u n v <<< "$out"
    [[ $n == - || $n == "$expected" ]] || { echo "$name: $n chunks, the CLI printed $expected" >&2; exit 1; }
    keep_best "$name" "$t" "$u"
    [[ -n ${v:-} ]] && vm_s[$name]=$v
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

printf '%-15s %9s %7s %10s %7s\n' case MiB/s x_cli cpu_MiB/s cpu_x >&2
json="{\"benchmark\":\"elixir_vs_cli\",\"file_mib\":$size_mib,\"runs\":$runs,\"chunks\":$expected,"
json+="\"loadavg_before\":\"$load_before\",\"loadavg_after\":\"$load_after\",\"results\":["
sep=""
for name in "${names[@]}"; do
  threads=${name##*-}
  rates "$name" "cli-$threads"
  printf '%-15s %9.0f %7.2f %10.0f %7.2f\n' "$name" "$rate" "$ratio" "$crate" "$cratio" >&2
  json+="$sep{\"case\":\"$name\",\"mib_s\":$(printf %.1f "$rate"),\"vs_cli\":$(printf %.3f "$ratio"),"
  json+="\"cpu_mib_s\":$(printf %.1f "$crate"),\"cpu_vs_cli\":$(printf %.3f "$cratio")"
  [[ -n ${vm_s[$name]:-} ]] && json+=",\"vm_command_s\":${vm_s[$name]}"
  json+="}"
  sep=","
done
echo "x_cli: the CLI's best time / this case's best time, same thread count (>= 1: the NIF is as fast)." >&2
echo "VM start + one call, whole command: $(for n in "${names[@]}"; do [[ -n ${vm_s[$n]:-} ]] && printf '%s %ss  ' "$n" "${vm_s[$n]}"; done)" >&2
echo "load average: before $load_before, after $load_after (shared machine)" >&2
echo "$json]}"

#!/usr/bin/env bash
# `chunker hash` vs b3sum (and sha256sum) on one page-cached file, same run.
#   bench/hash_cli_vs_b3sum.sh [BUILD_DIR] [SIZE_MIB]    (defaults build/native, 1024)
# Target: `chunker hash --threads 1` at least 1.0x `b3sum --num-threads 1`.
# Also times the read strategies (64 KiB reads, mmap, 1 MiB reads) behind the
# CLI's default. Best of 5 runs each, runs of the tools interleaved; prints
# JSON on stdout and a table on stderr. The file lives in $TMPDIR (not the repo).
set -euo pipefail
build=${1:-build/native}
mib=${2:-1024}
cli="$build/chunker"
[[ -x "$cli" ]] || { echo "missing $cli" >&2; exit 2; }
command -v b3sum >/dev/null || { echo "b3sum not installed" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt: time)" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file="$dir/input.bin"
head -c $((mib << 20)) /dev/urandom > "$file"
cat "$file" > /dev/null  # page cache

# Wall and CPU (user+sys) seconds of one run, as "wall cpu".
run_once() {
  local t0 t1 c
  t0=$(date +%s.%N)
  c=$( { /usr/bin/time -f '%U %S' "$@" > /dev/null; } 2>&1 | tail -1)
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" -v c="$c" 'BEGIN { split(c, x, " "); printf "%.4f %.4f\n", b - a, x[1] + x[2] }'
}

names=() cmds=()
add() { names+=("$1"); shift; cmds+=("$*"); }
add "b3sum --num-threads 1"            b3sum --num-threads 1 "$file"
add "chunker hash --threads 1"         "$cli" hash --threads 1 "$file"
add "chunker hash --threads 1 --io mmap"  "$cli" hash --threads 1 --io mmap "$file"
add "chunker hash --threads 1 --read-block 1M"  "$cli" hash --threads 1 --read-block 1M "$file"
add "b3sum (all threads)"              b3sum "$file"
add "chunker hash (all threads)"       "$cli" hash "$file"
add "sha256sum"                        sha256sum "$file"
add "chunker hash --algo sha256"       "$cli" hash --algo sha256 "$file"

declare -A best_wall best_cpu
for ((r = 0; r < 5; r++)); do
  for i in "${!names[@]}"; do
    read -r w c < <(run_once ${cmds[$i]})
    if [[ -z "${best_wall[$i]:-}" ]] || awk -v a="$w" -v b="${best_wall[$i]}" 'BEGIN{exit !(a<b)}'; then best_wall[$i]=$w; fi
    if [[ -z "${best_cpu[$i]:-}" ]] || awk -v a="$c" -v b="${best_cpu[$i]}" 'BEGIN{exit !(a<b)}'; then best_cpu[$i]=$c; fi
  done
done

printf '%-52s %9s %9s %10s\n' command "wall s" "cpu s" "MiB/s" >&2
json="{\"benchmark\":\"hash_cli_vs_b3sum\",\"file_mib\":$mib,\"b3sum\":\"$(b3sum --version)\",\"results\":["
for i in "${!names[@]}"; do
  rate=$(awk -v m="$mib" -v w="${best_wall[$i]}" 'BEGIN { printf "%.0f", m / w }')
  printf '%-52s %9s %9s %10s\n' "${names[$i]}" "${best_wall[$i]}" "${best_cpu[$i]}" "$rate" >&2
  json+="${sep:-}{\"command\":\"${names[$i]}\",\"wall_s\":${best_wall[$i]},\"cpu_s\":${best_cpu[$i]},\"mib_s\":$rate}"
  sep=,
done
ratio=$(awk -v a="${best_wall[0]}" -v b="${best_wall[1]}" 'BEGIN { printf "%.3f", a / b }')
echo "chunker hash --threads 1 vs b3sum --num-threads 1: ${ratio}x (wall)" >&2
echo "$json],\"ratio_threads1\":$ratio}"

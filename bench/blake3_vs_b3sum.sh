#!/usr/bin/env bash
# BLAKE3 on files: `chunker hash` against `b3sum` in the same run, on the same
# page-cached file, alternating the two so both see the same machine load.
#   bench/blake3_vs_b3sum.sh [CHUNKER_BIN] [SIZE_MIB] [ROUNDS]
# Defaults: build/native/chunker, 1024 MiB, 5 rounds. Prints JSON, then a table
# on stderr. "cpu" rates use user+sys time (steadier on a shared machine).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=$(chunker_bin "${1:-}")
size_mib=${2:-1024}
rounds=${3:-5}
command -v b3sum >/dev/null || { echo "b3sum not installed" >&2; exit 2; }

file=$(mktemp "${TMPDIR:-/tmp}/b3bench.XXXXXX")
trap 'rm -f "$file"' EXIT
head -c $((size_mib * 1048576)) /dev/urandom > "$file"
cat "$file" > /dev/null   # page-cache it

want=$(b3sum --no-names "$file")
got=$("$bin" hash --no-names "$file")
[ "$want" = "$got" ] || { echo "digest mismatch: b3sum $want, chunker $got" >&2; exit 1; }

TIMEFORMAT='%R %U %S'
# best_of VAR CMD...: best wall and cpu MiB/s over $rounds runs -> "$wall $cpu"
declare -A wall cpu
measure() {  # key, command...
  local key=$1; shift
  local t r u s
  t=$( { time "$@" > /dev/null; } 2>&1 | tail -1 )
  read -r r u s <<< "$t"
  local w c
  w=$(awk -v m="$size_mib" -v t="$r" 'BEGIN { printf "%.1f", (t > 0 ? m / t : 0) }')
  c=$(awk -v m="$size_mib" -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", (u + s > 0 ? m / (u + s) : 0) }')
  awk -v a="$w" -v b="${wall[$key]:-0}" 'BEGIN { exit !(a > b) }' && wall[$key]=$w
  awk -v a="$c" -v b="${cpu[$key]:-0}" 'BEGIN { exit !(a > b) }' && cpu[$key]=$c
  return 0
}
for t in 1 2; do
  for _ in $(seq "$rounds"); do
    measure "b3sum_$t" b3sum --num-threads "$t" "$file"
    measure "chunker_$t" "$bin" hash --threads "$t" "$file"
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
printf '{"benchmark":"blake3_vs_b3sum","size_mib":%s,"rounds":%s,"results":[' "$size_mib" "$rounds"
sep=""
for t in 1 2; do
  for tool in b3sum chunker; do
    k="${tool}_$t"
    printf '%s{"tool":"%s","threads":%s,"mib_s":%s,"mib_s_cpu":%s}' "$sep" "$tool" "$t" "${wall[$k]}" "${cpu[$k]}"
    sep=","
  done
done
printf '],"ratio_1t":%s,"ratio_2t":%s,"chunker_scaling_2t":%s}\n' \
  "$(ratio "${wall[chunker_1]}" "${wall[b3sum_1]}")" "$(ratio "${wall[chunker_2]}" "${wall[b3sum_2]}")" \
  "$(ratio "${wall[chunker_2]}" "${wall[chunker_1]}")"
{
  printf '%-8s %7s %10s %10s\n' tool threads MiB/s cpu-MiB/s
  for t in 1 2; do
    for tool in b3sum chunker; do
      k="${tool}_$t"
      printf '%-8s %7s %10s %10s\n' "$tool" "$t" "${wall[$k]}" "${cpu[$k]}"
    done
  done
  echo "chunker/b3sum: 1 thread $(ratio "${wall[chunker_1]}" "${wall[b3sum_1]}")x," \
    "2 threads $(ratio "${wall[chunker_2]}" "${wall[b3sum_2]}")x;" \
    "chunker 2-thread scaling $(ratio "${wall[chunker_2]}" "${wall[chunker_1]}")x"
} >&2

#!/usr/bin/env bash
# `chunker dedup` throughput on a generated tree of ~GIB GiB (default 2.5):
# random files, exact copies, edited copies (byte flips + insertions, so
# chunks resynchronise) and two copies of /usr/share/doc (many small files).
# Page-cached (one warm-up run), best of RUNS per thread count. JSON lines on
# stdout, a table on stderr, with the load average next to the numbers.
#   bash bench/dedup_bench.sh [BUILD_DIR=build/native] [RUNS=3]
#   env: GIB=2.5  BENCH_DIR=${TMPDIR:-/tmp}/chunker-dedup-bench  THREADS="1 2"  DEDUP_ARGS=""
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/native}
runs=${2:-3}
gib=${GIB:-2.5}
threads_list=${THREADS:-1 2}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/chunker-dedup-bench}
tree="$dir/tree"
chunker="$build/chunker"
[[ -x "$chunker" ]] || { echo "no $chunker; build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }

# Random files of 64 MiB make up ~40% of the tree, copies ~20%, edited copies ~20%, the rest small files.
file_mib=64
n_random=$(awk -v g="$gib" -v f="$file_mib" 'BEGIN { n = int(g * 1024 * 0.4 / f); print (n < 2 ? 2 : n) }')
n_copy=$(( n_random / 2 ))
stamp="$dir/.complete-$gib"
if [[ ! -e "$stamp" ]]; then
  need_kib=$(awk -v g="$gib" 'BEGIN { printf "%d", g * 1.1 * 1024 * 1024 }')
  avail_kib=$(df -Pk "$(dirname "$dir")" | awk 'NR == 2 { print $4 }')
  if (( avail_kib < need_kib )); then echo "not enough space for $gib GiB under $dir" >&2; exit 1; fi
  rm -rf "$dir" && mkdir -p "$tree/random" "$tree/copies" "$tree/edited" "$tree/docs"
  echo "generating $gib GiB under $tree ..." >&2
  for ((i = 0; i < n_random; i++)); do
    head -c $((file_mib << 20)) /dev/urandom > "$tree/random/r$i.bin"
  done
  for ((i = 0; i < n_copy; i++)); do cp "$tree/random/r$i.bin" "$tree/copies/c$i.bin"; done
  for ((i = 0; i < n_copy; i++)); do
    src="$tree/random/r$((n_random - 1 - i)).bin" out="$tree/edited/e$i.bin"
    # Insert 100 bytes at 1/3, flip 16 bytes at a few offsets, append 1 MiB.
    third=$(( (file_mib << 20) / 3 ))
    { head -c "$third" "$src"; head -c 100 /dev/urandom; tail -c +$((third + 1)) "$src"; head -c 1048576 /dev/urandom; } > "$out"
    for off in 1000000 20000000 45000000; do
      head -c 16 /dev/urandom | dd of="$out" bs=1 seek="$off" conv=notrunc status=none
    done
  done
  # Small files: /usr/share/doc twice, repeated until the tree reaches GIB.
  k=0
  while (( $(du -sk "$tree" | cut -f1) < $(awk -v g="$gib" 'BEGIN { printf "%d", g * 1024 * 1024 }') )); do
    cp -r /usr/share/doc "$tree/docs/d$k" 2>/dev/null || true
    k=$((k + 1))
    (( k < 64 )) || break
  done
  touch "$stamp"
fi

total_bytes=$(find "$tree" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s }')  # %d overflows in mawk
files=$(find "$tree" -type f | wc -l)
echo "tree: $files files, $total_bytes bytes ($(awk -v b="$total_bytes" 'BEGIN { printf "%.2f", b / 1073741824 }') GiB) in $tree" >&2

# shellcheck disable=SC2086
"$chunker" dedup --quiet --json ${DEDUP_ARGS:-} "$tree" > /dev/null  # warm the page cache
field() { grep -o "\"$1\":[0-9.]*" <<< "$2" | head -1 | cut -d: -f2; }  # first = top-level key
rows=()
timer=()
[[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f "%U %S" -o "$dir/time.txt")
for t in $threads_list; do
  best="" best_cpu=""
  for ((r = 0; r < runs; r++)); do
    # shellcheck disable=SC2086
    out=$("${timer[@]}" "$chunker" dedup --quiet --json --threads "$t" ${DEDUP_ARGS:-} "$tree")
    s=$(field seconds "$out")
    cpu=$([[ -s "$dir/time.txt" ]] && awk '{ printf "%.2f", $1 + $2 }' "$dir/time.txt" || echo 0)
    if [[ -z "$best" ]] || awk -v a="$s" -v b="$(field seconds "$best")" 'BEGIN { exit !(a < b) }'; then
      best=$out best_cpu=$cpu
    fi
  done
  load=$(uptime | sed -e 's/.*load average: //')
  bytes=$(field total_bytes "$best")
  cpu_rate=$(awk -v b="$bytes" -v c="$best_cpu" 'BEGIN { printf "%.1f", (c > 0 ? b / 1048576 / c : 0) }')
  echo "{\"bench\":\"dedup\",\"threads\":$t,\"runs\":$runs,\"load\":\"$load\",\"cpu_seconds\":$best_cpu,\"mib_per_cpu_s\":$cpu_rate,\"result\":$best}"
  rows+=("$(printf '%7s %9s %9s %9s %11s %7s %7s %7s  %s' "$t" "$(field seconds "$best")" "$(field mib_per_s "$best")" \
    "$best_cpu" "$cpu_rate" "$(field ratio "$best")" "$(field chunks "$best")" "$(field unique_chunks "$best")" "$load")")
done
{
  echo
  printf '%7s %9s %9s %9s %11s %7s %7s %7s  %s\n' threads seconds "MiB/s" "CPU s" "MiB/CPU-s" ratio chunks unique "load average (1/5/15 min)"
  for row in "${rows[@]}"; do echo "$row"; done
  echo "($(nproc) CPUs; best of $runs, page-cached; chunker dedup ${DEDUP_ARGS:-(default 256K/1M/4M)})"
} >&2

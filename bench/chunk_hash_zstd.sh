#!/usr/bin/env bash
# End to end chunk + BLAKE3 + zstd-3 per chunk (`chunker chunk --hash blake3
# --compress zstd --compress-level 3`, every chunk compressed, sizes reported)
# next to `zstd -3` compressing the same page-cached file alone, at 1 and 2
# threads, interleaved A B A B. Prints a table to stderr and JSON to stdout.
#   bash bench/chunk_hash_zstd.sh [SIZE_MIB=512] [RUNS=3]
# The input is compressible (text-like: words from a small vocabulary plus
# random numbers, about 3:1 with zstd -3) so the compressor does real work.
# Needs: build/native/chunker, zstd.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_args 512 3 "$@"
file="$(bench_dir)/text-${size_mib}M.txt"
if [[ ! -f "$file" ]]; then
  python3 - "$file" "$size_mib" <<'PY'
import random, sys
path, mib = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
words = [''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rnd.randint(2, 9))) for _ in range(3000)]
# 16 MiB of distinct lines, repeated: repeats are further apart than zstd -3's
# window, so they cost it (and the per-chunk compressor) full work.
lines, size = [], 0
while size < (16 << 20):
    line = ' '.join(rnd.choice(words) if rnd.random() < 0.85 else str(rnd.getrandbits(24)) for _ in range(12)) + '\n'
    lines.append(line); size += len(line)
block = ''.join(lines)
with open(path, 'w') as f:
    left = mib << 20
    while left > 0:
        f.write(block[:left]); left -= min(left, len(block))
PY
fi
cat "$file" > /dev/null  # page cache
cases=(
  "zstd-3-1t|zstd -3 -T1 -q -c $file"
  "chunk+blake3+zstd3-1t|$cli chunk --preset 64k --hash blake3 --compress zstd --compress-level 3 --threads 1 $file"
  "zstd-3-2t|zstd -3 -T2 -q -c $file"
  "chunk+blake3+zstd3-2t|$cli chunk --preset 64k --hash blake3 --compress zstd --compress-level 3 --threads 2 $file"
)
run_cases "$runs"
declare -A best best_cpu  # MiB/s
for c in "${cases[@]}"; do
  name=${c%%|*}
  best[$name]=$(echo "$size_mib / ${best_s[$name]}" | bc -l)
  best_cpu[$name]=$(echo "$size_mib / ${best_cpu_s[$name]}" | bc -l)
done
zsize=$(zstd -3 -q -c "$file" | wc -c)
csize=$("$cli" chunk --preset 64k --compress zstd --compress-level 3 --format csv "$file" | awk -F, 'NR>1{s+=$NF} END{print s}')
printf '%-26s %10s %12s\n' case MiB/s cpu-MiB/s >&2
json="{\"benchmark\":\"chunk_hash_zstd\",\"file_mib\":$size_mib,\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"zstd_bytes\":$zsize,\"chunked_zstd_bytes\":$csize,\"results\":["
sep=""
for c in "${cases[@]}"; do
  name=${c%%|*}
  printf '%-26s %10.1f %12.1f\n' "$name" "${best[$name]}" "${best_cpu[$name]}" >&2
  json+="$sep{\"case\":\"$name\",\"mib_s\":$(printf %.1f "${best[$name]}"),\"mib_s_cpu\":$(printf %.1f "${best_cpu[$name]}")}"
  sep=","
done
for t in 1t 2t; do
  printf 'ratio chunk+blake3+zstd3 / zstd-3 at %s: %.2f\n' "$t" "$(echo "${best[chunk+blake3+zstd3-$t]} / ${best[zstd-3-$t]}" | bc -l)" >&2
done
echo "$json]}"

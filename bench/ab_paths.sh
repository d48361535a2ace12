#!/usr/bin/env bash
# Before/after check of the CLI's default paths: every case runs with binary
# A (before) and binary B (after) through bench/ab.sh (alternating, paired
# ratios), on page-cached inputs. The ratio printed is new / old (ab.sh's A/B
# with A = the new binary): above 1.03 on a path is a slowdown beyond the 3 %
# budget the code's rules allow.
#   bash bench/ab_paths.sh OLD_CHUNKER NEW_CHUNKER [RUNS=7] [SIZE_MIB=512]
# Metric: AB_METRIC=cpu (default here: steady on a shared machine) or wall.
# Prints ab.sh's table per case on stderr and one JSON object per case on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(readlink -f "${1:?usage: bash bench/ab_paths.sh OLD_CHUNKER NEW_CHUNKER [RUNS] [SIZE_MIB]}")
new=$(readlink -f "${2:?}")
runs=${3:-7}
size_mib=${4:-512}
export AB_METRIC=${AB_METRIC:-cpu}
source bench/lib.sh
dir=$(bench_dir)
file=$(random_file "$size_mib")
small="$dir/small-tree"
if [[ ! -d "$small" ]]; then  # 2 000 files of 1-64 KiB, a third of them duplicates
  mkdir -p "$small"
  for i in $(seq 1 2000); do
    if (( i % 3 == 0 )); then cp "$small/f$((i - 1))" "$small/f$i"
    else head -c $(( (i * 7919 % 64 + 1) << 10 )) "$file" | tail -c +$((i * 37)) > "$small/f$i"; fi
  done
fi
tar -cf - -C "$dir" small-tree > /dev/null
cases=(
  "hash|hash $file"
  "hash-sha256|hash --algo sha256 $file"
  "chunk|chunk $file"
  "chunk-1t|chunk --threads 1 $file"
  "chunk-blake3|chunk --hash blake3 $file"
  "chunk-blake3-1t|chunk --hash blake3 --threads 1 $file"
  "dedup-small-files|dedup $small"
  "compress-zstd|compress -q --codec zstd $file"
)
for c in "${cases[@]}"; do
  name=${c%%|*} args=${c#*|}
  echo "== $name: chunker $args" >&2
  json=$(bash bench/ab.sh "$runs" "$new $args" "$old $args")
  echo "{\"case\":\"$name\",${json#\{}"
done
# store put into a fresh store each run (the files cache off: every file read)
put="$dir/store_put_once.sh"
cat > "$put" <<EOS
#!/bin/sh
set -e
s=\$(mktemp -d "$dir/store.XXXXXX")
"\$1" store init "\$s/st" > /dev/null
"\$1" store put "\$s/st" "$small" --no-cache > /dev/null
rm -rf "\$s"
EOS
echo "== store-put: chunker store put STORE $small --no-cache" >&2
json=$(bash bench/ab.sh "$runs" "sh $put $new" "sh $put $old")
echo "{\"case\":\"store-put\",${json#\{}"

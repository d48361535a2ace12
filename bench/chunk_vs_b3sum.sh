#!/usr/bin/env bash
# Whole-file chunking throughput of `chunker chunk` next to `b3sum --num-threads 1`
# (the in-run yardstick) on the same page-cached file, interleaved A B A B so
# machine drift hits both. Prints a table to stderr and JSON to stdout.
#   bash bench/chunk_vs_b3sum.sh [SIZE_MIB=1024] [RUNS=5]
# Needs: build/native/chunker (cmake --preset release && cmake --build --preset release), b3sum.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_args 1024 5 "$@"
file=$(random_file "$size_mib")

cases=(
  "b3sum-1t|b3sum --num-threads 1 $file"
  "chunk-16K/64K/256K-1t|$cli chunk --preset 64k --threads 1 $file"
  "chunk-256K/1M/4M-1t|$cli chunk --preset default --threads 1 $file"
  "chunk-16K/64K/256K-2t|$cli chunk --preset 64k --threads 2 $file"
  "chunk-256K/1M/4M-2t|$cli chunk --preset default --threads 2 $file"
  "chunk-16K/64K/256K-1t-mmap|$cli chunk --preset 64k --threads 1 --io mmap $file"
  "chunk-16K/64K/256K-2t-mmap|$cli chunk --preset 64k --threads 2 --io mmap $file"
  "chunk+blake3-256K/1M/4M-1t|$cli chunk --preset default --hash blake3 --threads 1 $file"
  "chunk+blake3-256K/1M/4M-2t|$cli chunk --preset default --hash blake3 --threads 2 $file"
  "chunk+sha256-256K/1M/4M-1t|$cli chunk --preset default --hash sha256 --threads 1 $file"
  "chunk+sha256-256K/1M/4M-2t|$cli chunk --preset default --hash sha256 --threads 2 $file"
)
run_cases "$runs"
printf '%-30s %10s %10s %12s %12s\n' case MiB/s x_b3sum cpu_MiB/s cpu_x_b3sum >&2
json="{\"benchmark\":\"chunk_vs_b3sum\",\"file_mib\":$size_mib,\"runs\":$runs,\"results\":["
sep=""
for c in "${cases[@]}"; do
  name=${c%%|*}
  rates "$name" b3sum-1t
  printf '%-30s %10.0f %10.2f %12.0f %12.2f\n' "$name" "$rate" "$ratio" "$crate" "$cratio" >&2
  json+="$sep{\"case\":\"$name\",\"mib_s\":$(printf %.1f "$rate"),\"vs_b3sum\":$(printf %.3f "$ratio"),"
  json+="\"cpu_mib_s\":$(printf %.1f "$crate"),\"cpu_vs_b3sum\":$(printf %.3f "$cratio")}"
  sep=","
done
echo "$json]}"

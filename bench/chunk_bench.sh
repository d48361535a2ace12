#!/usr/bin/env bash
# In-memory chunking throughput on 64 MiB of random data and of a real NAR
# (a NAR of /usr/share/doc made by `chunker nar dump`, byte-identical to
# `nix-store --dump`), plus the per-chunk overhead with tiny chunks.
#   bash bench/chunk_bench.sh [BUILD_DIR=build/native] [RUNS=7]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/native}
runs=${2:-7}
dir=${BENCH_DIR:-/tmp/chunker-bench}
mkdir -p "$dir"
nar="$dir/usr-share-doc.nar"
[[ -s "$nar" ]] || "$build/chunker" nar dump /usr/share/doc > "$nar"
"$build/bench/bench_chunk" --nar "$nar" --runs "$runs"

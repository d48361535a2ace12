#!/usr/bin/env bash
# wasm BLAKE3 kernel speed in Node, data already in wasm memory (no JS copy):
# compiles bench_blake3.cpp and the core's hash sources with Debian's em++ and
# the package's flags (-O3 -msimd128), in its own build directory, then runs
# `bench_blake3 --quick` RUNS times (the simd128 kernel: wasm builds always
# pick it; the "2 threads" row is one thread, as this build has no pthreads).
#   bash bench/wasm_blake3_bench.sh [RUNS=3] [SRC_ROOT=.]
# SRC_ROOT may be another checkout (e.g. a `git worktree` of an older commit)
# to compare kernels: run the script once per tree, alternating.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
src=${2:-.}
out=${WASM_BENCH_DIR:-build/b3-wasm}/$(cd "$src" && pwd | md5sum | cut -c1-8)
mkdir -p "$out"
cache=${CHUNKER_CACHE:-$HOME/.cache/chunker}
if [[ ! -d "$cache/emcache" ]]; then mkdir -p "$cache" && cp -a /usr/share/emscripten/cache "$cache/emcache"; fi
export EM_CACHE="$cache/emcache"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}  # em++ needs Debian's acorn
# Same source selection as wasm/build.mjs: no other ISA's files.
srcs=$(ls "$src"/core/src/hash/*.cpp "$src"/core/src/common/*.cpp "$src"/core/src/encoding/*.cpp |
  grep -Ev '_(sse41|avx2|avx512|shani|neon|armv8)\.cpp$')
em++ -O3 -msimd128 -std=c++20 -I"$src"/core/include -I"$src"/core/src bench/bench_blake3.cpp $srcs \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=256MB -sSINGLE_FILE=1 -o "$out/bench_blake3.cjs"
echo "node $(node --version), tree $src, load: $(uptime)"
for ((i = 0; i < runs; i++)); do
  node "$out/bench_blake3.cjs" --quick 2>&1 | grep -v '^{'
done

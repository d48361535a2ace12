#!/usr/bin/env bash
# wasm chunking speed per FastCDC kernel (portable ilp4 vs simd128) in Node:
# compiles bench_chunk.cpp and the core's fastcdc sources with Debian's em++
# and the package's flags (-O3 -msimd128), in its own build directory.
#   bash bench/wasm_chunk_bench.sh [RUNS=5] [MiB=64]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
mib=${2:-64}
out=${WASM_BENCH_DIR:-build/simdcdc-wasm}
mkdir -p "$out"
cache=${CHUNKER_CACHE:-$HOME/.cache/chunker}
if [[ ! -d "$cache/emcache" ]]; then mkdir -p "$cache" && cp -a /usr/share/emscripten/cache "$cache/emcache"; fi
export EM_CACHE="$cache/emcache"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}  # em++ needs Debian's acorn
# Same source selection as wasm/build.mjs: no other ISA's files.
srcs=$(ls core/src/fastcdc/*.cpp core/src/common/*.cpp | grep -Ev '_(sse41|avx2|avx512|shani|neon|armv8)\.cpp$')
em++ -O3 -msimd128 -std=c++20 -Icore/include -Icore/src bench/bench_chunk.cpp $srcs \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=256MB -sSINGLE_FILE=1 -o "$out/bench_chunk.cjs"
echo "node $(node --version), load: $(uptime)"
node "$out/bench_chunk.cjs" --runs "$runs" --size "$mib" > "$out/bench_chunk.json"

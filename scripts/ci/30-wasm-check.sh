#!/usr/bin/env bash
# Compiles the portable core with Debian's em++ (Emscripten 3.1.6, clang 14, libc++ 14).
set -euo pipefail
cd "$CHUNKER_ROOT"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
# Emscripten's frozen system-library cache lives in /usr/share; a writable copy is
# only needed for libraries it does not ship, so point EM_CACHE at our cache dir.
if [[ ! -d "$CHUNKER_CACHE/emcache" ]]; then cp -a /usr/share/emscripten/cache "$CHUNKER_CACHE/emcache"; fi
export EM_CACHE="$CHUNKER_CACHE/emcache"
cmake --preset wasm-check >/dev/null
cmake --build --preset wasm-check
node build/wasm-check/chunker_wasm_smoke.js "$CHUNKER_ROOT/tests/data/SekienAkashita.jpg"

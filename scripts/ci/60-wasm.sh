#!/usr/bin/env bash
# npm package stage: wasm deps (cached in $CHUNKER_CACHE/wasm-deps), both
# Emscripten variants + JS (`npm run build`), Vitest in Node for each variant,
# headless Chromium with and without cross-origin isolation, the upload-dedup
# demo end to end (its server tests are in the Vitest runs), pack-and-install.
set -euo pipefail
cd "${CHUNKER_ROOT:-$(dirname "$0")/../..}"
export CHUNKER_CACHE=${CHUNKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chunker}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
# Same writable copy of Emscripten's prebuilt system-library cache as stage 30.
if [[ ! -d "$CHUNKER_CACHE/emcache" ]]; then cp -a /usr/share/emscripten/cache "$CHUNKER_CACHE/emcache"; fi
export EM_CACHE="$CHUNKER_CACHE/emcache"
# The wasm build's zstd is 1.5.7 (wasm/deps/build-deps.sh): compare bytes with that version's program.
eval "$(bash scripts/zstd-native.sh env)"

t() { echo "--- $* ($(date +%T))"; }
t npm ci
npm ci --no-audit --no-fund --loglevel=error
t wasm deps
bash wasm/deps/build-deps.sh >/dev/null
t npm run build
npm run build
t type check of dist/index.d.ts
npx tsc -p tests/types
t vitest, threads variant
npx vitest run
t vitest, single variant
CHUNKER_WASM_VARIANT=single npx vitest run
t browser tests
node tests/browser/run.mjs
t upload-dedup demo, end to end in Chromium
node tests/browser/demo.mjs
t pack test
node tests/pack/run.mjs
t done

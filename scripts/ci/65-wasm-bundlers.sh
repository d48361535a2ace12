#!/usr/bin/env bash
# Bundler stage: the packed npm tarball in fresh Vite (build + dev server),
# webpack 5, Parcel 2, esbuild and Rollup projects, each page run in headless
# Chromium with and without cross-origin isolation (tests/bundlers/run.mjs).
# Needs dist/ from stage 60 (built here if missing). The bundlers' pinned
# node_modules are cached in $CHUNKER_CACHE/bundlers.
set -euo pipefail
cd "${CHUNKER_ROOT:-$(dirname "$0")/../..}"
export CHUNKER_CACHE=${CHUNKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chunker}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
if [[ ! -f dist/web/core-st.wasm || ! -f dist/esm/index.browser.js ]]; then
  if [[ ! -d "$CHUNKER_CACHE/emcache" ]]; then cp -a /usr/share/emscripten/cache "$CHUNKER_CACHE/emcache"; fi
  export EM_CACHE="$CHUNKER_CACHE/emcache"
  [[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error
  bash wasm/deps/build-deps.sh >/dev/null
  npm run build
fi
node tests/bundlers/run.mjs

#!/usr/bin/env bash
# The README's "main job": the upload-dedup demo (examples/upload-dedup).
# Installs what is missing (apt packages, npm packages), builds the npm package
# into dist/ only if it is missing or older than its sources, then runs
# `npm run demo`: the server with its embedded chunk store on $PORT (default
# 8080), printing the URL to open. STORE_DIR (default
# examples/upload-dedup/.store) and ISOLATED=0 (no COOP/COEP) are passed on.
# The former sample job (chunk + hash a file with the native CLI) is
# `bash scripts/chunk-sample.sh [FILE]`; `bash scripts/main.sh FILE ...` still
# runs it (arguments mean the old job).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -gt 0 ]]; then exec bash scripts/chunk-sample.sh "$@"; fi
export CHUNKER_CACHE=${CHUNKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chunker}
mkdir -p "$CHUNKER_CACHE"
bash scripts/install-deps.sh

# npm packages: only when node_modules is absent or older than the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# dist/: every file the demo serves or imports must exist, and no source of the
# package may be newer than the last build (`npm run build` always rewrites
# dist/esm, so the newest file in dist/ dates the last build). Same steps as
# scripts/ci/60-wasm.sh, skipped when dist/ is fresh.
need=(dist/esm/index.node.js dist/esm/index.browser.js dist/node/core-mt.js dist/node/codecs-mt.js
      dist/web/core-mt.mjs dist/web/core-st.mjs dist/web/codecs-mt.mjs dist/web/codecs-st.mjs)
stale=0
for f in "${need[@]}"; do [[ -f $f ]] || stale=1; done
if [[ $stale == 0 ]]; then
  newest=$(ls -t $(find dist -type f) | head -1)
  changed=$(find js wasm core native/include -type f -newer "$newest" -print -quit 2>/dev/null)
  if [[ -n $changed ]]; then echo "dist/ is older than $changed"; stale=1; fi
fi
if [[ $stale == 1 ]]; then
  echo "building the npm package (dist/ missing or stale)..."
  export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
  if [[ ! -d "$CHUNKER_CACHE/emcache" ]]; then cp -a /usr/share/emscripten/cache "$CHUNKER_CACHE/emcache"; fi
  export EM_CACHE="$CHUNKER_CACHE/emcache"
  bash wasm/deps/build-deps.sh >/dev/null
  npm run build
fi

exec npm run demo --silent

#!/usr/bin/env bash
# Compiles the portable core with Debian's em++ (Emscripten 3.1.6, clang 14,
# libc++ 14) and checks that the wasm build chunks exactly like the native CLI.
set -euo pipefail
cd "$CHUNKER_ROOT"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
# A writable copy of Debian's prebuilt (frozen) system-library cache, reused across runs.
if [[ ! -d "$CHUNKER_CACHE/emcache" ]]; then cp -a /usr/share/emscripten/cache "$CHUNKER_CACHE/emcache"; fi
export EM_CACHE="$CHUNKER_CACHE/emcache"
cmake --preset wasm-check >/dev/null
cmake --build --preset wasm-check
# The repo's package.json says "type": "module"; Emscripten's output is CommonJS.
echo '{"type":"commonjs"}' > build/wasm-check/package.json
smoke=build/wasm-check/chunker_wasm_smoke.js
file=tests/data/SekienAkashita.jpg
big=$(mktemp); trap 'rm -f "$big"' EXIT
head -c 3000000 /dev/urandom > "$big"
for args in "4096 16384 65535 1 0" "4096 16384 65535 1 666" "8192 32768 131072 1 0" "64 256 1024 3 7" "1024 4096 16384 0 0"; do
  set -- $args
  for f in "$file" "$big"; do
    if ! diff <(node "$smoke" "$f" "$@") <(build/native/chunker chunk --min "$1" --avg "$2" --max "$3" --level "$4" --seed "$5" "$f") >/dev/null; then
      echo "wasm and native chunking differ for $f ($args)"; exit 1
    fi
  done
done
echo "wasm-check: em++ build chunks identically to the native CLI (5 parameter sets x 2 files)"

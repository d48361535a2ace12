#!/usr/bin/env bash
# The Python package (python/: ctypes over the C ABI in libchunker.so) under
# Debian's python3 + pytest, against hashlib, b3sum, the codec programs and
# nix-hash. Reuses stage 10's release build; builds only the shared library
# when run alone (`bash scripts/test.sh python`).
set -euo pipefail
cd "$CHUNKER_ROOT"
# The zstd library version the build links, and the same version's program for the byte comparisons.
eval "$(bash scripts/zstd-native.sh env)"
[[ -f build/native/CMakeCache.txt ]] || cmake --preset release -U __pkg_config_checked_ZSTD >/dev/null
cmake --build --preset release --target chunker_shared >/dev/null
export CHUNKER_LIBRARY=$PWD/build/native/libchunker.so
# Debian's interpreter and pytest (python3-pytest), whatever python3 is first on PATH.
PY=/usr/bin/python3
PYTHONDONTWRITEBYTECODE=1 "$PY" -m pytest -q -p no:cacheprovider python/tests
# Installed layout: the library next to the package, no CHUNKER_LIBRARY.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r python/chunker "$tmp/"
cp -L build/native/libchunker.so "$tmp/chunker/libchunker.so"
(cd "$tmp" && env -u CHUNKER_LIBRARY PYTHONDONTWRITEBYTECODE=1 "$PY" -c '
import chunker, sys
assert chunker.LIBRARY_PATH.startswith(sys.argv[1]), chunker.LIBRARY_PATH
print("installed layout:", chunker.LIBRARY_PATH, chunker.__version__, chunker.blake3(b"").hex()[:16])
' "$tmp/chunker/")

#!/usr/bin/env bash
# The original sample job: build the optimised CLI (if needed) and chunk + hash
# a file (default: the sample image shipped in tests/data), printing one JSON
# line per chunk. Usage: bash scripts/chunk-sample.sh [FILE] [extra chunker chunk options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [[ ! -x build/native/chunker ]]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target chunker_cli
fi
file=${1:-tests/data/SekienAkashita.jpg}
shift || true
exec build/native/chunker chunk --min 4K --avg 16K --max 64K --hash sha256 "$@" "$file"

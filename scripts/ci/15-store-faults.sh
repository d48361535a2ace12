#!/usr/bin/env bash
# Fault injection for the chunk store (tests/store-faults/run.sh): kill -9 of
# put/gc/get, files changed while read, gc next to put, procfs, disk full
# (tmpfs: CI runs as root), bit flips. Uses the release CLI of 10-native.
set -euo pipefail
cd "$CHUNKER_ROOT"
if [[ ! -x build/native/chunker ]]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target chunker_cli
fi
bash tests/store-faults/run.sh build/native/chunker

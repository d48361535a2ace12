#!/usr/bin/env bash
# The C ABI (native/include/chunker.h) stays compatible with the first
# release's dump (abi/chunker-c-0.1.0.dump): abi-dumper + abi-compliance-checker.
set -euo pipefail
cd "$CHUNKER_ROOT"
bash scripts/abi-check.sh

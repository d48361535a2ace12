#!/usr/bin/env bash
# The README's test command: installs what it needs on a fresh Debian 12 machine
# (apt packages, npm packages, wasm dependencies — cached outside the repo) and
# runs every test stage in scripts/ci/NN-*.sh in order.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh native     # only stages whose name contains "native"
set -euo pipefail
cd "$(dirname "$0")/.."
export CHUNKER_ROOT=$PWD
export CHUNKER_CACHE=${CHUNKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chunker}
mkdir -p "$CHUNKER_CACHE"

bash scripts/install-deps.sh
# Everything the cross-checks call was just installed: a missing reference tool
# is a failure, not a skip (tests/cpp/test_util.hpp, tests/s3/demo-helpers.mjs).
export CHUNKER_REQUIRE_TOOLS=${CHUNKER_REQUIRE_TOOLS:-1}

filter=${1:-}
passed=0 failed=0 failed_names=()
for stage in scripts/ci/[0-9][0-9]-*.sh; do
  name=$(basename "$stage" .sh)
  [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
  echo "=== stage $name ==="
  start=$(date +%s)
  if bash "$stage"; then
    passed=$((passed + 1))
    echo "=== stage $name: ok ($(( $(date +%s) - start ))s) ==="
  else
    failed=$((failed + 1)); failed_names+=("$name")
    echo "=== stage $name: FAILED ($(( $(date +%s) - start ))s) ==="
  fi
done
echo
[[ $failed -gt 0 ]] && echo "failed stages: ${failed_names[*]}"
echo "stages: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

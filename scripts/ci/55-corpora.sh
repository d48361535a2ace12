#!/usr/bin/env bash
# The upstream projects' own test files (xz-utils, zstd, bzip2, lz4, Nix), fetched
# with apt-get source into $CHUNKER_CACHE and never vendored, each checked against
# the reference program: tests/corpora/run.sh (sets and expectations: docs/codecs.md).
set -euo pipefail
cd "$CHUNKER_ROOT"
eval "$(bash scripts/zstd-native.sh env)"  # the libzstd the release build links, and its zstd program
# The release CLI (already built by 10-native when the whole suite runs).
cmake --preset release -U __pkg_config_checked_ZSTD >/dev/null
cmake --build --preset release --target chunker_cli >/dev/null
bash tests/corpora/run.sh build/native/chunker

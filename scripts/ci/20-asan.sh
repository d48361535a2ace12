#!/usr/bin/env bash
# The whole GoogleTest suite under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$CHUNKER_ROOT"
eval "$(bash scripts/zstd-native.sh env)"  # libzstd 1.5.7 (docs/codecs.md)
cmake --preset asan -U __pkg_config_checked_ZSTD >/dev/null
cmake --build --preset asan
# S3Rgw.* need a Ceph RGW (stage 70-s3); the S3 URL/XML unit tests run here.
ASAN_OPTIONS=detect_leaks=1 ctest --preset asan -E '^S3Rgw'

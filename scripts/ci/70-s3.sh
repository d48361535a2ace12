#!/usr/bin/env bash
# The S3 client and the chunk store on S3 against a real Ceph RGW: starts a
# throw-away single-node cluster (scripts/s3/rgw.sh: mon + memstore osd +
# radosgw on free loopback ports) once, runs the S3 GoogleTest cases
# (S3Rgw*: client, store API, fault proxy, kill -9 mid multipart) and the
# CLI suite tests/s3/store.sh on it, and stops every daemon on exit.
# Under CI=true the S3Rgw tests fail (not skip) if the server is missing.
set -euo pipefail
cd "$CHUNKER_ROOT"
tests=build/native/chunker_tests
cmake --preset release >/dev/null
cmake --build --preset release --target chunker_tests chunker_cli   # a no-op after stage 10
if ! "$tests" --gtest_list_tests --gtest_filter='S3*' | grep -q .; then
  echo "70-s3: chunker_tests has no S3 tests (configured with CHUNKER_WITH_S3=OFF? needs libcurl4-openssl-dev, libexpat1-dev)"
  exit 1
fi
dir=$(mktemp -d /tmp/chunker-rgw.XXXXXX)
trap 'bash scripts/s3/rgw.sh stop "$dir"' EXIT
eval "$(bash scripts/s3/rgw.sh start "$dir")"
bash scripts/s3/rgw.sh status "$dir"
export CHUNKER_REQUIRE_TOOLS=1   # no silent skip from here on
"$tests" --gtest_filter='S3*'
bash tests/s3/store.sh build/native/chunker

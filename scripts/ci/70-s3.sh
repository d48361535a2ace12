#!/usr/bin/env bash
# The S3 client and the chunk store on S3 against a real Ceph RGW: starts a
# throw-away single-node cluster (scripts/s3/rgw.sh: mon + memstore osd +
# radosgw on free loopback ports) once, runs the S3 GoogleTest cases (S3Rgw*:
# the client, the native store on S3 through its API and through a fault
# proxy, kill -9 mid multipart), the native store's CLI suite
# (tests/s3/store.sh), then the upload-dedup demo on S3 (tests/s3/demo-s3.test.js:
# its S3 backend, retries through a fault proxy, several server processes on
# one store, kill -9, interop with the native CLI; tests/browser/demo-s3.mjs:
# two servers on one bucket in Chromium), and stops every daemon on exit.
# Under CI=true nothing is skipped for lack of a tool.
set -euo pipefail
cd "$CHUNKER_ROOT"
tests=build/native/chunker_tests
cmake --preset release >/dev/null
cmake --build --preset release --target chunker_tests chunker_cli   # a no-op after stage 10
if ! "$tests" --gtest_list_tests --gtest_filter='S3*' | grep -q .; then
  echo "70-s3: chunker_tests has no S3 tests (configured with CHUNKER_WITH_S3=OFF? needs libcurl4-openssl-dev, libexpat1-dev)"
  exit 1
fi
if [[ ! -f dist/esm/index.node.js || ! -d node_modules/aws4fetch ]]; then
  echo "70-s3: the demo tests need node_modules and dist/ (stage 60-wasm: npm ci && npm run build)"
  exit 1
fi
dir=$(mktemp -d /tmp/chunker-rgw.XXXXXX)
trap 'bash scripts/s3/rgw.sh stop "$dir"' EXIT
eval "$(bash scripts/s3/rgw.sh start "$dir")"
bash scripts/s3/rgw.sh status "$dir"
export CHUNKER_REQUIRE_TOOLS=1   # no silent skip from here on
"$tests" --gtest_filter='S3*'
rc=0   # every suite runs, whatever the first one says
echo "--- native store on S3 ($(date +%T))"
bash tests/s3/store.sh build/native/chunker || rc=1
echo "--- upload-dedup demo on S3 ($(date +%T))"
npx vitest run --config tests/s3/vitest.config.mjs || rc=1
echo "--- upload-dedup demo on S3, two servers in Chromium ($(date +%T))"
node tests/browser/demo-s3.mjs || rc=1
exit $rc

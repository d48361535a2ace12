#!/usr/bin/env bash
# Longer fuzzing for developers: builds the targets and runs them for
# SECONDS each (default 600), keeping the grown corpus in build/fuzz/corpus/
# (seeded from fuzz/corpus/) so later runs continue where this one stopped.
#
#   scripts/fuzz-long.sh                    # every target, 10 min each
#   scripts/fuzz-long.sh fuzz_codec_xz 3600 # one target, one hour
#   JOBS=2 scripts/fuzz-long.sh             # parallel fuzzing processes per target
#
# Random seeds (unlike the deterministic CI stage scripts/ci/50-fuzz.sh). A
# crash input found here belongs in fuzz/corpus/<target>/regress-<what> so CI
# replays it on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/zstd-native.sh env)"  # the libzstd the native build links
only=${1:-}
secs=${2:-${SECONDS_PER_TARGET:-600}}
jobs=${JOBS:-1}
cmake -S fuzz -B build/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build/fuzz -j2
mkdir -p build/fuzz/artifacts
for bin in build/fuzz/fuzz_*; do
  [[ -x "$bin" && -f "$bin" ]] || continue
  name=$(basename "$bin")
  [[ -n "$only" && "$name" != "$only" ]] && continue
  mkdir -p "build/fuzz/corpus/$name"
  seeds=()
  [[ -d "fuzz/corpus/$name" ]] && seeds=("fuzz/corpus/$name")
  echo "=== $name for ${secs}s"
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -jobs="$jobs" -workers="$jobs" \
    -artifact_prefix=build/fuzz/artifacts/"$name"- "build/fuzz/corpus/$name" "${seeds[@]}" || {
    echo "crash in $name: see build/fuzz/artifacts/; keep it as fuzz/corpus/$name/regress-<what>"; exit 1; }
done
echo "To shrink the seed corpus: $bin -merge=1 fuzz/corpus/<target> build/fuzz/corpus/<target>"

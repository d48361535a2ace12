#!/usr/bin/env bash
# Short libFuzzer run of every fuzz/fuzz_*.cpp target (clang + ASan/UBSan):
# FUZZ_SECONDS each (default 15), starting from the seed corpus in
# fuzz/corpus/<target>/. New corpus entries go to a temp dir, never the repo.
# Crashes are saved in build/fuzz/artifacts/ and fail the stage.
set -euo pipefail
cd "${CHUNKER_ROOT:-$(dirname "$0")/../..}"
secs=${FUZZ_SECONDS:-15}
cmake -S fuzz -B build/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build/fuzz -j2
mkdir -p build/fuzz/artifacts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for bin in build/fuzz/fuzz_*; do
  [[ -x "$bin" && -f "$bin" ]] || continue
  name=$(basename "$bin")
  seeds=fuzz/corpus/$name
  mkdir -p "$work/$name"
  args=("$work/$name")
  [[ -d "$seeds" ]] && args+=("$seeds")
  echo "--- $name (${secs}s)"
  if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
      -artifact_prefix=build/fuzz/artifacts/"$name"- "${args[@]}" >"$work/$name.log" 2>&1; then
    tail -40 "$work/$name.log"
    failed+=("$name")
  else
    grep -E "^Done|^#[0-9]+.*DONE" "$work/$name.log" | tail -1 || true
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz targets with crashes: ${failed[*]} (inputs in build/fuzz/artifacts/)"
  exit 1
fi

#!/usr/bin/env bash
# Deterministic libFuzzer runs of every fuzz/fuzz_*.cpp target (clang +
# ASan/UBSan): a fixed seed and a fixed number of runs per target, starting
# from the seed corpus in fuzz/corpus/<target>/, which also holds every crash
# input ever found (regress-*) so each run replays them first. The same
# commit therefore always executes the same inputs: a failure here means the
# change broke something, never that a random seed got lucky. Open-ended
# exploration is scripts/fuzz-long.sh; copy what it finds into fuzz/corpus/.
#
# New corpus entries go to a temp dir, never the repo. Crashes are saved in
# build/fuzz/artifacts/ and fail the stage. FUZZ_RUNS_SCALE=2 doubles every
# run count (still deterministic).
set -euo pipefail
cd "${CHUNKER_ROOT:-$(dirname "$0")/../..}"
# The fuzzers link the same libzstd as the native build (scripts/zstd-native.sh).
eval "$(bash scripts/zstd-native.sh env)"
seed=${FUZZ_SEED:-20240601}
scale=${FUZZ_RUNS_SCALE:-1}
# Runs per target: roughly 10-20 s each on one core of an idle CI machine
# (they are counts, not times: the same on every machine).
declare -A runs=(
  [fuzz_codec_auto]=6000 [fuzz_codec_bzip2]=6000 [fuzz_codec_lz4]=6000 [fuzz_codec_xz]=4000
  [fuzz_codec_zstd]=15000 [fuzz_nar_chunking]=20000 [fuzz_nar_parser]=40000 [fuzz_narinfo]=60000
  [fuzz_nix_base32]=80000 [fuzz_store_manifest]=60000
)
default_runs=20000
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
  n=$(( ${runs[$name]:-$default_runs} * scale ))
  echo "--- $name (-seed=$seed -runs=$n)"
  start=$(date +%s)
  if ! "$bin" -seed="$seed" -runs="$n" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=build/fuzz/artifacts/"$name"- "${args[@]}" >"$work/$name.log" 2>&1; then
    tail -40 "$work/$name.log"
    failed+=("$name")
  else
    echo "    $(grep -E '^stat::number_of_executed_units' "$work/$name.log" | awk '{print $2}') inputs in $(( $(date +%s) - start ))s"
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz targets with crashes: ${failed[*]} (inputs in build/fuzz/artifacts/; add them to fuzz/corpus/<target>/regress-*)"
  exit 1
fi

#!/usr/bin/env bash
# Profile-guided build (GCC) of the CLI and benchmarks, trained on the benchmark
# corpus, then compared with the normal release build (build/native) in the same
# run. The PGO build is NOT the default: it is kept only if it measurably helps
# (see docs/benchmarks.md#pgo for the last verdict).
#   bash bench/pgo.sh [RUNS=3]          (PGO_COMPARE_ONLY=1: reuse build/pgo, only compare)
# Build dir: build/pgo (instrumented, trained, then rebuilt in place with the
# profile, so the object paths the profile is keyed by stay the same).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dir=build/pgo
prof=$PWD/$dir/profile
[ -x build/native/bench/bench_chunk ] || { echo "build the release preset first" >&2; exit 2; }
targets=(--target chunker_cli --target bench_chunk --target bench_blake3)
common=(-DCMAKE_BUILD_TYPE=Release -DCHUNKER_LTO=ON -DCHUNKER_BUILD_TESTS=OFF)

if [ -z "${PGO_COMPARE_ONLY:-}" ]; then
echo "--- instrumented build" >&2
rm -rf "$prof"
cmake -S . -B "$dir" "${common[@]}" \
  -DCMAKE_CXX_FLAGS="-fprofile-generate -fprofile-dir=$prof -fprofile-update=atomic" >/dev/null
cmake --build "$dir" -j2 "${targets[@]}" >/dev/null

echo "--- training on the benchmark corpus" >&2
sample=$(mktemp); trap 'rm -f "$sample"' EXIT
head -c $((64 << 20)) /dev/urandom > "$sample"
"$dir/bench/bench_chunk" --size 32 --runs 1 >/dev/null 2>&1
"$dir/bench/bench_blake3" --quick >/dev/null 2>&1
for t in 1 2; do
  "$dir/chunker" chunk --preset 64k --hash blake3 --threads $t "$sample" >/dev/null
  "$dir/chunker" chunk --preset default --hash sha256 --threads $t "$sample" >/dev/null
done
"$dir/chunker" hash "$sample" >/dev/null

echo "--- optimised build with the profile" >&2
cmake -S . -B "$dir" "${common[@]}" \
  -DCMAKE_CXX_FLAGS="-fprofile-use -fprofile-dir=$prof -fprofile-partial-training -Wno-missing-profile -Wno-coverage-mismatch" >/dev/null
cmake --build "$dir" -j2 --clean-first "${targets[@]}" >/dev/null
fi

echo "--- release vs PGO, interleaved, best of $runs" >&2
tmp=$(mktemp -d); trap 'rm -rf "$tmp" "${sample:-}"' EXIT
for r in $(seq "$runs"); do
  build/native/bench/bench_chunk --runs 2 > "$tmp/rel.$r.json" 2>/dev/null
  "$dir/bench/bench_chunk" --runs 2 > "$tmp/pgo.$r.json" 2>/dev/null
  build/native/bench/bench_blake3 --quick > "$tmp/relb3.$r.json" 2>/dev/null
  "$dir/bench/bench_blake3" --quick > "$tmp/pgob3.$r.json" 2>/dev/null
done
python3 - "$tmp" "$runs" <<'PY'
import json, sys
d, runs = sys.argv[1], int(sys.argv[2])
def best(prefix, key_fn, rate):
    b = {}
    for r in range(1, runs + 1):
        j = json.load(open(f"{d}/{prefix}.{r}.json"))
        for x in j["results"]:
            k = key_fn(x)
            if k: b[k] = max(b.get(k, 0), x[rate])
    return b
ck = lambda x: f"chunk {x['data']} {x['sizes']}"
bk = lambda x: f"blake3 {x['bytes']}B {x['threads']}t"
rel = {**best("rel", ck, "cpu_mib_s"), **best("relb3", bk, "mib_s_cpu")}
pgo = {**best("pgo", ck, "cpu_mib_s"), **best("pgob3", bk, "mib_s_cpu")}
rows = [{"case": k, "release_mib_s_cpu": rel[k], "pgo_mib_s_cpu": pgo[k], "ratio": round(pgo[k] / rel[k], 3)}
        for k in rel if k in pgo]
print(json.dumps({"benchmark": "pgo_vs_release", "runs": runs, "results": rows}))
print(f"{'case':<34} {'release':>9} {'pgo':>9} {'pgo/rel':>8}", file=sys.stderr)
for x in rows:
    print(f"{x['case']:<34} {x['release_mib_s_cpu']:>9.1f} {x['pgo_mib_s_cpu']:>9.1f} {x['ratio']:>8.3f}", file=sys.stderr)
PY

#!/usr/bin/env bash
# BLAKE3 in memory, single thread: our kernels against the official C
# implementation with its assembly kernels, in the same run, alternating the two.
#   bench/blake3_vs_official.sh [BENCH_BLAKE3_BIN] [ROUNDS]
# Defaults: build/native/bench/bench_blake3, 3 rounds. The official sources come
# from Debian's librust-blake3-dev (installed on demand: it is a Debian package,
# nothing is downloaded from elsewhere and nothing is copied into the repo) and
# are compiled into $CHUNKER_CACHE/blake3-official-<version>.
# Prints JSON on stdout, a table with ratios on stderr. cpu = process CPU time.
set -euo pipefail
bin=${1:-build/native/bench/bench_blake3}
rounds=${2:-3}
[ -x "$bin" ] || { echo "no bench_blake3 at $bin (cmake --build --preset release)" >&2; exit 2; }
src=$(ls -d /usr/share/cargo/registry/blake3-*/c 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$src" ]; then
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y -qq librust-blake3-dev >/dev/null
  src=$(ls -d /usr/share/cargo/registry/blake3-*/c | sort -V | tail -1)
fi
ver=$(basename "$(dirname "$src")")
out=${CHUNKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chunker}/$ver-official
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$out/bench" ] || [ "$here/blake3_official.c" -nt "$out/bench" ]; then
  mkdir -p "$out"
  # The official build: portable C + dispatch + the unix assembly kernels.
  cc -O3 -I"$src" -o "$out/bench" "$here/blake3_official.c" \
    "$src/blake3.c" "$src/blake3_dispatch.c" "$src/blake3_portable.c" \
    "$src/blake3_sse2_x86-64_unix.S" "$src/blake3_sse41_x86-64_unix.S" \
    "$src/blake3_avx2_x86-64_unix.S" "$src/blake3_avx512_x86-64_unix.S"
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  "$out/bench" > "$tmp/official.$r.json"
  "$bin" --quick > "$tmp/ours.$r.json" 2>/dev/null
done
python3 - "$tmp" "$rounds" <<'PY'
import json, sys
d, rounds = sys.argv[1], int(sys.argv[2])
def best(name):
    b = {}
    for r in range(1, rounds + 1):
        j = json.load(open(f"{d}/{name}.{r}.json"))
        for x in j["results"]:
            if x["threads"] != 1: continue
            k = x["bytes"]; cur = b.setdefault(k, [0, 0])
            cur[0] = max(cur[0], x["mib_s"]); cur[1] = max(cur[1], x["mib_s_cpu"])
    return b, j["backend"]
off, offname = best("official"); ours, oursname = best("ours")
rows = []
for k in sorted(off):
    if k not in ours: continue
    rows.append({"bytes": k, "official_mib_s": off[k][0], "official_mib_s_cpu": off[k][1],
                 "chunker_mib_s": ours[k][0], "chunker_mib_s_cpu": ours[k][1],
                 "ratio": round(ours[k][0] / off[k][0], 3), "ratio_cpu": round(ours[k][1] / off[k][1], 3)})
print(json.dumps({"benchmark": "blake3_vs_official", "official": offname, "chunker": oursname,
                  "rounds": rounds, "results": rows}))
print(f"{'size':>9} {'official':>9} {'chunker':>9} {'ratio':>6} {'ratio(cpu)':>10}", file=sys.stderr)
for x in rows:
    print(f"{x['bytes']:>9} {x['official_mib_s']:>9.1f} {x['chunker_mib_s']:>9.1f} {x['ratio']:>6.3f} {x['ratio_cpu']:>10.3f}",
          file=sys.stderr)
PY

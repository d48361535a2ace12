#!/usr/bin/env bash
# Our codec wrapper vs the programs' own benchmark modes on the same corpus
# file, in the same run: `zstd -b`, `lz4 -b` (in-memory, one-shot into a
# buffer — what bench_codec times too), and for xz / bzip2, which have no
# benchmark mode, the programs compressing/decompressing the file to /dev/null.
# Ours and theirs alternate, REPEAT times each; the best of each is kept.
# "direct" = the same shared libraries called without our wrapper, in-process
# (bench_codec --raw); the zstd and lz4 programs link their own static copy.
#
#   bench/codec_vs_cli.sh [BUILD_DIR]        (default build/native)
#   SIZE=64M REPEAT=2 SECONDS_EACH=3 bench/codec_vs_cli.sh build/codecs
# Prints JSON lines on stdout and a table on stderr. Speeds in MB/s (10^6 B/s).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/native}
bench=$build/bench/bench_codec
[[ -x $bench ]] || { echo "build $bench first (cmake --build $build --target bench_codec)" >&2; exit 1; }
size=${SIZE:-64M}
repeat=${REPEAT:-2}
secs=${SECONDS_EACH:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=${CORPUS:-$work/corpus}
[[ -f $corpus ]] || "$bench" --size "$size" --write-corpus "$corpus"
bytes=$(stat -c %s "$corpus")
echo "corpus: $corpus ($bytes bytes); zstd $(zstd -V | grep -o 'v[0-9.]*'), lz4 $(lz4 -V 2>&1 | grep -o 'v[0-9.]*' | head -1), $(xz -V | head -1), bzip2 1.0.8; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

ours() {  # codec level -> "comp decomp ratio direct_comp direct_decomp"
  "$bench" --corpus "$corpus" --only "$1:$2" --seconds "$secs" --raw 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(r["compress_mbps"], r["decompress_mbps"], r["ratio"], r["direct_compress_mbps"], r["direct_decompress_mbps"])'
}
cli_bench() {  # zstd|lz4 level -> "comp decomp"
  local extra=""
  [[ $1 == zstd ]] && extra="--single-thread"
  "$1" -b"$2" -i"$secs" $extra "$corpus" 2>&1 | tr '\r' '\n' | grep -E 'MB/s.*MB/s' | tail -1 |
    grep -o '[0-9.]* MB/s' | awk '{printf "%s ", $1} END {print ""}'
}
cli_time() {  # xz|bzip2 level -> "comp decomp" from wall time of the program
  local t0 t1 t2
  t0=$(date +%s.%N)
  "$1" -"$2" -c "$corpus" > "$work/z" ; [[ $1 == xz ]] && true
  t1=$(date +%s.%N)
  "$1" -dc "$work/z" > /dev/null
  t2=$(date +%s.%N)
  python3 -c "print(round($bytes/1e6/($t1-$t0),1), round($bytes/1e6/($t2-$t1),1))"
}
best() { python3 -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "$@"; }

printf '%-6s %5s | %8s %8s %8s %6s %6s | %8s %8s %8s %6s %6s | %6s\n' codec level "ours C" "direct" "prog C" "%dir" "%prog" \
  "ours D" "direct" "prog D" "%dir" "%prog" ratio >&2
for spec in zstd:1 zstd:3 zstd:9 lz4:1 lz4:9 xz:1 xz:6 bzip2:1 bzip2:9; do
  c=${spec%%:*} l=${spec##*:}
  oc=() od=() tc=() td=() rc=() rd=() ratio=0
  for ((i = 0; i < repeat; i++)); do
    read -r a b ratio e f < <(ours "$c" "$l")
    oc+=("$a") od+=("$b") rc+=("$e") rd+=("$f")
    if [[ $c == zstd || $c == lz4 ]]; then
      read -r a b < <(cli_bench "$c" "$l")
    else
      [[ $c == xz ]] && export XZ_OPT=-T1
      read -r a b < <(cli_time "$c" "$l")
    fi
    tc+=("$a") td+=("$b")
    [[ $c == xz || $c == bzip2 ]] && break  # slow: one run each
  done
  OC=$(best "${oc[@]}") OD=$(best "${od[@]}") TC=$(best "${tc[@]}") TD=$(best "${td[@]}")
  RC=$(best "${rc[@]}") RD=$(best "${rd[@]}")
  pc=$(python3 -c "print(round(100*$OC/$TC,1))") pd=$(python3 -c "print(round(100*$OD/$TD,1))")
  rpc=$(python3 -c "print(round(100*$OC/$RC,1))") rpd=$(python3 -c "print(round(100*$OD/$RD,1))")
  mode=$([[ $c == zstd || $c == lz4 ]] && echo "$c -b$l" || echo "$c -$l file>/dev/null (wall)")
  echo "{\"codec\":\"$c\",\"level\":$l,\"ratio\":$ratio,\"ours_compress_mbps\":$OC,\"prog_compress_mbps\":$TC,\"ours_decompress_mbps\":$OD,\"prog_decompress_mbps\":$TD,\"compress_pct\":$pc,\"decompress_pct\":$pd,\"direct_compress_mbps\":$RC,\"direct_decompress_mbps\":$RD,\"compress_pct_of_direct\":$rpc,\"decompress_pct_of_direct\":$rpd,\"program_mode\":\"$mode\"}"
  printf '%-6s %5s | %8s %8s %8s %6s %6s | %8s %8s %8s %6s %6s | %6.3f\n' "$c" "$l" "$OC" "$RC" "$TC" "$rpc" "$pc" \
    "$OD" "$RD" "$TD" "$rpd" "$pd" "$ratio" >&2
done

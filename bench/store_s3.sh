#!/usr/bin/env bash
# chunker store put into a local store vs into S3 (a throw-away Ceph RGW on
# loopback, scripts/s3/rgw.sh) on the same tree of real files (copies of
# /usr/lib, /usr/bin, /usr/share/doc in path order), page-cached input; then
# again after editing 10 % of the files. Counts the S3 requests of each put
# (CHUNKER_S3_STATS=1, by kind) and sets them against a store with one object
# per chunk, whose PUTs alone would be (distinct chunks + manifests). Checks the
# run: both stores verify clean, list the same files, and a few files restore
# byte-exact (cmp) from each. Prints JSON (one object) and a table.
#
#   bash bench/store_s3.sh [SIZE_MIB=512] [CHUNKER=build/native/chunker] [THREADS=0]
#
# The RGW's OSD is memstore (RAM), so "S3" here is the protocol's cost (requests,
# signing, HTTP, RGW's CPU on the same cores), not a network's or a disk's.
# Ceph is installed by rgw.sh if missing (Debian packages, ~270 MB).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SIZE_MIB=${1:-512}
C=$(chunker_bin "${2:-}") ROOT=$bench_root THREADS=${3:-0}
W=$(mktemp -d "${BENCH_DIR:-/tmp}/store-s3-bench.XXXXXX")
# Short: Ceph's admin sockets live in the cluster directory (docs/s3.md).
R=$(mktemp -d /tmp/crgw.XXXX)
trap 'bash "$ROOT/scripts/s3/rgw.sh" stop "$R" >&2 || true; rm -rf "$W" "$R"' EXIT
# memstore keeps objects in RAM at ~2x their size; room for both puts of the tree uncompressed.
export CHUNKER_RGW_MEMSTORE_BYTES=$(( SIZE_MIB * 3 > 2048 ? SIZE_MIB * 3 << 20 : 2048 << 20 ))
eval "$(bash "$ROOT/scripts/s3/rgw.sh" start "$R")"
export XDG_CACHE_HOME=$W/xdg-cache CHUNKER_S3_STATS=1   # a fresh files cache; request counts on stderr
L=$W/local
S="s3://$CHUNKER_S3_BUCKET/bench?endpoint=$CHUNKER_S3_ENDPOINT&region=us-east-1"

# ---- the tree: files of the three directories in path order until SIZE_MIB
make_tree "$W" "$SIZE_MIB"
files=$tree_files bytes=$tree_bytes gib=$tree_gib
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# timed VAR COMMAND...: wall seconds into VAR, chunker's CPU seconds (user+sys)
# into VAR_cpu and the Ceph daemons' (mon, osd, radosgw) into VAR_ceph; the
# command's output (and the S3 request counts) in $W/out.VAR.
ceph_cpu() {  # CPU seconds the cluster's daemons used so far
  local tick pid ticks=0
  tick=$(getconf CLK_TCK)
  for pid in $(awk '{ print $2 }' "$R/pids"); do
    ticks=$((ticks + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')))
  done
  echo "scale=2; $ticks / $tick" | bc
}
timed() {
  local var=$1 c0 t out TIMEFORMAT='%R %U %S'; shift
  c0=$(ceph_cpu)
  out=$( { time "$@" > "$W/out.$var" 2>&1; } 2>&1 ) || { echo "bench: $* failed:" >&2; tail -5 "$W/out.$var" >&2; exit 1; }
  set -- $out
  printf -v "$var" '%.2f' "$1"
  printf -v "${var}_cpu" '%.2f' "$(echo "$2 + $3" | bc)"
  printf -v "${var}_ceph" '%.2f' "$(echo "$(ceph_cpu) - $c0" | bc)"
}
stats() { sed -n 's/^chunker store: s3 //p' "$1" | tail -1; }      # the CLI's JSON line
field() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" <<< "$1"; }        # field JSON NAME
# (printf: bc prints ".5" for 0.5, which is not JSON)
per_gib() { printf '%.1f' "$(echo "scale=3; $1 / $gib" | bc)"; }
mibs() { printf '%.1f' "$(echo "scale=3; $bytes / 1048576 / $1" | bc)"; }
ratio() { printf '%.2f' "$(echo "scale=4; $1 / $2" | bc)"; }

# check LABEL: both stores verify clean and list the same files; a few files
# (first, last, every ~1/5 of the way, and the largest) restore byte-exact from each.
check() {
  local label=$1 n f
  "$C" store verify "$L" > "$W/verify.local" 2>&1 || { echo "bench: $label: local verify:" >&2; tail -3 "$W/verify.local" >&2; exit 1; }
  "$C" store verify "$S" > "$W/verify.s3" 2>&1 || { echo "bench: $label: S3 verify:" >&2; tail -3 "$W/verify.s3" >&2; exit 1; }
  "$C" store ls "$L" > "$W/ls.local"
  "$C" store ls "$S" 2>/dev/null > "$W/ls.s3"
  cmp -s "$W/ls.local" "$W/ls.s3" || { echo "bench: $label: the stores list different files" >&2; exit 1; }
  [[ $(wc -l < "$W/ls.s3") == "$files" ]] || { echo "bench: $label: $(wc -l < "$W/ls.s3") files listed, $files in the tree" >&2; exit 1; }
  { awk -v n="$files" 'NR == 1 || NR == n || NR % int(n / 5 + 1) == 0' "$W/ls.s3"; sort -n "$W/ls.s3" | tail -1; } |
    awk '{ sub(/^ *[0-9]+ +[0-9]+  /, ""); print }' | while read -r n; do
      for f in "$L" "$S"; do
        "$C" store get "$f" "$n" -o "$W/restored" 2>/dev/null || { echo "bench: $label: get $n from $f failed" >&2; exit 1; }
        cmp -s "$W/restored" "$W/$n" || { echo "bench: $label: $n from $f differs from the original" >&2; exit 1; }
      done
    done
}
# verify's summary "URL: P packs (N chunks), I index files, M manifests checked, 0 problems"
vcount() { grep " problems$" "$W/verify.$1" | grep -o "[0-9]* $2" | cut -d' ' -f1; }

cd "$W"
"$C" store init "$L" > /dev/null
"$C" store init "$S" > /dev/null 2> "$W/init.err" || { cat "$W/init.err" >&2; exit 1; }

timed l1 "$C" store put "$L" tree --quiet --threads "$THREADS"
timed s1 "$C" store put "$S" tree --quiet --threads "$THREADS"
st1=$(stats "$W/out.s1")
check "first put"
chunks1=$(vcount s3 chunks)
[[ $(vcount local chunks) == "$chunks1" ]] || { echo "bench: the stores hold different chunk counts" >&2; exit 1; }
packs1=$(vcount s3 packs) index1=$(vcount s3 'index files')

# ---- edit 10 % of the files (every 10th in path order): 4 KiB overwritten in the middle, 100 bytes appended
edit_tree "$W"
edited=$tree_edited

timed l2 "$C" store put "$L" tree --quiet --threads "$THREADS"
timed s2 "$C" store put "$S" tree --quiet --threads "$THREADS"
st2=$(stats "$W/out.s2")
check "after editing"
chunks2=$(vcount s3 chunks)
packs2=$(vcount s3 packs) index2=$(vcount s3 'index files')
load1=$(cut -d' ' -f1-3 /proc/loadavg)

req1=$(field "$st1" requests) req2=$(field "$st2" requests)
opc1=$((chunks1 + files))                  # one object per chunk: a PUT per chunk and per manifest
opc2=$((chunks2 - chunks1 + edited))       # the new chunks and the edited files' manifests
cat <<EOF
{"bench":"store_s3","files":$files,"bytes":$bytes,"edited_files":$edited,"threads":$THREADS,
 "load_avg_before":"$load0","load_avg_after":"$load1","ceph":"$(radosgw --version | cut -d' ' -f3)",
 "ingest_s":{"local":$l1,"s3":$s1},"ingest_mib_s":{"local":$(mibs "$l1"),"s3":$(mibs "$s1")},
 "incremental_s":{"local":$l2,"s3":$s2},
 "cpu_s":{"ingest":{"local":$l1_cpu,"s3":$s1_cpu,"ceph_daemons":$s1_ceph},"incremental":{"local":$l2_cpu,"s3":$s2_cpu,"ceph_daemons":$s2_ceph}},
 "s3_vs_local_time":{"ingest":$(ratio "$s1" "$l1"),"incremental":$(ratio "$s2" "$l2")},
 "chunks":$chunks1,"new_chunks_after_edit":$((chunks2 - chunks1)),
 "objects":{"packs":$packs1,"index":$index1,"manifests":$files},
 "objects_after_edit":{"packs":$packs2,"index":$index2,"manifests":$files},
 "data_objects_per_gib":$(per_gib $((packs1 + index1))),
 "s3_requests_ingest":$st1,
 "s3_requests_incremental":$st2,
 "s3_requests_per_gib":{"ingest":$(per_gib "$req1"),"incremental":$(per_gib "$req2")},
 "one_object_per_chunk_puts":{"ingest":$opc1,"incremental":$opc2},
 "one_object_per_chunk_puts_per_gib":{"ingest":$(per_gib $opc1),"incremental":$(per_gib $opc2)},
 "fewer_requests_than_one_object_per_chunk":{"ingest":$(ratio $opc1 "$req1"),"incremental":$(ratio $opc2 "$req2")}}
EOF
kinds() { local k out=""; for k in put multipart get range_get head list delete; do out+="$k $(field "$1" $k), "; done; echo "${out%, }"; }
printf '\n%-34s %12s %12s\n' "" local s3
printf '%-34s %12s %12s\n' "ingest (s)" "$l1" "$s1"
printf '%-34s %12s %12s\n' "ingest (MiB/s)" "$(mibs "$l1")" "$(mibs "$s1")"
printf '%-34s %12s %12s\n' "ingest CPU s: chunker (+ Ceph)" "$l1_cpu" "$s1_cpu (+$s1_ceph)"
printf '%-34s %12s %12s\n' "after editing 10% (s)" "$l2" "$s2"
printf '%-34s %12s %12s\n' "S3 requests, ingest (/GiB)" "" "$req1 ($(per_gib "$req1"))"
printf '%-34s %12s %12s\n' "  one object per chunk: PUTs (/GiB)" "" "$opc1 ($(per_gib $opc1))"
printf '%-34s %12s %12s\n' "S3 requests, incremental (/GiB)" "" "$req2 ($(per_gib "$req2"))"
printf '%-34s %12s %12s\n' "  one object per chunk: PUTs (/GiB)" "" "$opc2 ($(per_gib $opc2))"
echo "ingest requests: $(kinds "$st1")"
echo "incremental requests: $(kinds "$st2")"
echo "tree: $files files, $((bytes >> 20)) MiB, $chunks1 chunks in $packs1 packs + $index1 index files; $edited files edited -> $((chunks2 - chunks1)) new chunks;" \
  "S3 vs local time: ingest $(ratio "$s1" "$l1")x, incremental $(ratio "$s2" "$l2")x; requests vs one object per chunk:" \
  "ingest $(ratio $opc1 "$req1")x, incremental $(ratio $opc2 "$req2")x fewer; load avg $load0 -> $load1"

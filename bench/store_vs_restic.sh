#!/usr/bin/env bash
# chunker store put vs restic backup --compression auto vs borg create -C lz4 on
# the same tree of real files (copies of /usr/lib, /usr/bin, /usr/share/doc),
# fresh repositories, page-cached input; then again after editing 10 % of the
# files. Prints JSON (one object) and a table: times, ratios vs restic,
# repository sizes, file counts, objects per GiB ingested.
#
#   bash bench/store_vs_restic.sh [SIZE_MIB=2048] [CHUNKER=build/native/chunker] [THREADS=0]
#
# restic and borg (Debian: restic, borgbackup) are installed here if missing:
# they are benchmark-only dependencies, not test ones.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SIZE_MIB=${1:-2048}
C=$(chunker_bin "${2:-}") ROOT=$bench_root THREADS=${3:-0}
for tool in restic borg; do
  command -v $tool >/dev/null || { apt-get install -y -qq restic borgbackup >/dev/null 2>&1 || true; }
  command -v $tool >/dev/null || { echo "bench: $tool is not installed (apt-get install restic borgbackup)" >&2; exit 1; }
done
W=$(mktemp -d "${BENCH_DIR:-/tmp}/store-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
export RESTIC_PASSWORD=bench RESTIC_CACHE_DIR=$W/restic-cache BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
export BORG_BASE_DIR=$W/borg-base XDG_CACHE_HOME=$W/xdg-cache

# ---- the tree: files of the three directories in path order until SIZE_MIB
make_tree "$W" "$SIZE_MIB"
files=$tree_files bytes=$tree_bytes gib=$tree_gib

now() { date +%s.%N; }
timed() {  # VAR COMMAND...: seconds into VAR
  local var=$1 t0; shift
  t0=$(now)
  "$@" > "$W/out.$var" 2>&1 || { echo "bench: $* failed:" >&2; tail -5 "$W/out.$var" >&2; exit 1; }
  printf -v "$var" '%.2f' "$(echo "$(now) - $t0" | bc)"
}
fcount() { find "$1" -type f | wc -l; }
dsize() { du -sb "$1" | cut -f1; }

cd "$W"
"$C" store init ch >/dev/null
restic init -r rs >/dev/null 2>&1
borg init -e none bg >/dev/null 2>&1

timed c1 "$C" store put ch tree --quiet --threads "$THREADS"
timed r1 restic backup -r rs --compression auto tree
timed b1 borg create -C lz4 bg::one tree
c_size1=$(dsize ch) r_size1=$(dsize rs) b_size1=$(dsize bg)
c_files1=$(fcount ch) r_files1=$(fcount rs) b_files1=$(fcount bg)
c_obj=$(( $(fcount ch/packs) + $(fcount ch/index) ))  # data objects (packs + index files); manifests: one per file
r_obj=$(( $(fcount rs/data) + $(fcount rs/index) ))

# ---- edit 10 % of the files (every 10th in path order): 4 KiB overwritten in the middle, 100 bytes appended
edit_tree "$W"
edited=$tree_edited

timed c2 "$C" store put ch tree --quiet --threads "$THREADS"
timed r2 restic backup -r rs --compression auto tree
timed b2 borg create -C lz4 bg::two tree
c_size2=$(dsize ch) r_size2=$(dsize rs) b_size2=$(dsize bg)
"$C" store verify ch > "$W/verify.out" || { echo "bench: verify failed" >&2; tail -3 "$W/verify.out" >&2; exit 1; }

ratio() { echo "scale=2; $1 / $2" | bc; }
per_gib() { echo "scale=1; $1 / $gib" | bc; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
cat <<EOF
{"bench":"store_vs_restic","files":$files,"bytes":$bytes,"edited_files":$edited,"threads":$THREADS,"load_avg":"$load",
 "restic":"$(restic version | head -1 | cut -d' ' -f2)","borg":"$(borg --version | cut -d' ' -f2)",
 "ingest_s":{"chunker":$c1,"restic":$r1,"borg":$b1},
 "incremental_s":{"chunker":$c2,"restic":$r2,"borg":$b2},
 "speedup_vs_restic":{"ingest":$(ratio "$r1" "$c1"),"incremental":$(ratio "$r2" "$c2")},
 "repo_bytes":{"chunker":$c_size1,"restic":$r_size1,"borg":$b_size1},
 "repo_bytes_after_edit":{"chunker":$c_size2,"restic":$r_size2,"borg":$b_size2},
 "size_vs_restic":$(echo "scale=3; $c_size1 / $r_size1" | bc),
 "repo_files":{"chunker":$c_files1,"restic":$r_files1,"borg":$b_files1},
 "data_objects_per_gib":{"chunker":$(per_gib $c_obj),"restic":$(per_gib $r_obj)},
 "manifests_per_gib":$(per_gib "$files")}
EOF
printf '\n%-26s %10s %10s %10s\n' "" chunker restic borg
printf '%-26s %10s %10s %10s\n' "ingest (s)" "$c1" "$r1" "$b1"
printf '%-26s %10s %10s %10s\n' "after editing 10% (s)" "$c2" "$r2" "$b2"
printf '%-26s %10s %10s %10s\n' "repo MiB" $((c_size1 >> 20)) $((r_size1 >> 20)) $((b_size1 >> 20))
printf '%-26s %10s %10s %10s\n' "repo MiB after edit" $((c_size2 >> 20)) $((r_size2 >> 20)) $((b_size2 >> 20))
printf '%-26s %10s %10s %10s\n' "repo files" "$c_files1" "$r_files1" "$b_files1"
printf '%-26s %10s %10s\n' "data objects / GiB" "$(per_gib $c_obj)" "$(per_gib $r_obj)"
echo "tree: $files files, $((bytes >> 20)) MiB; chunker vs restic: ingest $(ratio "$r1" "$c1")x, incremental $(ratio "$r2" "$c2")x faster, size $(echo "scale=3; $c_size1 / $r_size1" | bc)x; load avg $load"

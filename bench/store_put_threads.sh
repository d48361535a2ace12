#!/usr/bin/env bash
# How `chunker store put` uses two cores: a page-cached random file put into a
# fresh store on a RAM file system (no disk in the figure), timed with
# bench/ab.sh (alternating, paired ratios; the store's init and removal are
# done untimed around each put):
#   1. --threads 2 against --threads 1 (both may use the background pack
#      writer, so "one thread" already runs on more than one core), and
#   2. two cores against one: the same put pinned to one CPU (taskset -c 0,
#      --threads 1) against --threads 2 on the whole machine.
#   bash bench/store_put_threads.sh [SIZE_MIB=512] [RUNS=7]
# Prints ab.sh's table per case on stderr and its JSON on stdout.
# Needs: build/native/chunker, taskset (util-linux), /dev/shm (or STORE_TMP).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_args 512 7 "$@"
file=$(random_file "$size_mib")
tmp=${STORE_TMP:-/dev/shm}
[[ -d $tmp ]] || { echo "bench: $tmp does not exist (set STORE_TMP)" >&2; exit 2; }
command -v taskset > /dev/null || { echo "bench: taskset is missing (apt-get install util-linux)" >&2; exit 2; }

# put PREFIX THREADS: one put into the fresh store AB_BEFORE made.
st=$(mktemp -d "$tmp/chunker-put.XXXXXX")
trap 'rm -rf "$st"' EXIT
export AB_BEFORE="rm -rf '$st/st' && $cli store init '$st/st'" AB_AFTER="rm -rf '$st/st'"
put() { echo "$1 $cli store put '$st/st' $file --no-cache --threads $2 > /dev/null"; }
echo "store put, $size_mib MiB: --threads 2 vs --threads 1" >&2
bash bench/ab.sh "$runs" "$(put '' 2)" "$(put '' 1)"
echo "store put, $size_mib MiB: two cores (--threads 2) vs one core (taskset -c 0, --threads 1)" >&2
bash bench/ab.sh "$runs" "$(put '' 2)" "$(put 'taskset -c 0' 1)"

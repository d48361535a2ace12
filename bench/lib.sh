# Helpers shared by the whole-command benchmarks (sourced, not run).

# The checkout these scripts belong to.
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# chunker_bin [PATH]: the chunker binary to time, as an absolute path: PATH,
# else $CHUNKER_CLI, else this checkout's build/native/chunker. Fails (and so
# stops a `set -e` script at `x=$(chunker_bin ...)`) when it is not built.
chunker_bin() {
  local c
  c=$(readlink -f "${1:-${CHUNKER_CLI:-$bench_root/build/native/chunker}}")
  [[ -x "$c" ]] || { echo "bench: no chunker binary at $c (cmake --preset release && cmake --build --preset release)" >&2; return 1; }
  echo "$c"
}

# bench_args DEFAULT_SIZE_MIB DEFAULT_RUNS [SIZE_MIB [RUNS]]: the usual
# arguments of a whole-file benchmark: sets size_mib, runs and cli.
bench_args() {
  size_mib=${3:-$1}
  runs=${4:-$2}
  cli=$(chunker_bin)
}

# bench_dir: the directory for generated inputs ($BENCH_DIR, default
# /tmp/chunker-bench), created. random_file SIZE_MIB: a file of random bytes
# there (made once, kept between runs), page-cached; prints its path.
bench_dir() { local d=${BENCH_DIR:-/tmp/chunker-bench}; mkdir -p "$d"; echo "$d"; }
random_file() {
  local f
  f="$(bench_dir)/random-$1M.bin"
  [[ -f "$f" ]] || head -c $(($1 << 20)) /dev/urandom > "$f"
  cat "$f" > /dev/null
  echo "$f"
}

# time_cmd CMD... -> "wall cpu" seconds for one run (output discarded). CPU
# time (user+sys) stays meaningful when other jobs share the cores.
time_cmd() {
  local TIMEFORMAT='%R %U %S' out
  out=$( { time "$@" > /dev/null 2>&1; } 2>&1 )
  set -- $out
  echo "$1 $(echo "$2 + $3" | bc -l)"
}

# run_cases RUNS: runs every "name|command" of the array `cases` RUNS times,
# interleaved (A B A B ...) so machine drift hits all of them alike, and keeps
# the least wall and CPU seconds per name in the arrays best_s / best_cpu_s.
run_cases() {
  local runs=$1 r c name cmd t u
  declare -gA best_s=() best_cpu_s=()
  for ((r = 0; r < runs; r++)); do
    for c in "${cases[@]}"; do
      name=${c%%|*}; cmd=${c#*|}
      read -r t u < <(time_cmd $cmd)
      keep_best "$name" "$t" "$u"
    done
  done
}

# keep_best NAME WALL CPU: keeps the least wall and CPU seconds per name in
# best_s / best_cpu_s (declared by the caller, or by run_cases).
keep_best() {
  if [[ -z "${best_s[$1]:-}" ]] || (( $(echo "$2 < ${best_s[$1]}" | bc -l) )); then best_s[$1]=$2; fi
  if [[ -z "${best_cpu_s[$1]:-}" ]] || (( $(echo "$3 < ${best_cpu_s[$1]}" | bc -l) )); then best_cpu_s[$1]=$3; fi
}

# rates NAME REF: from best_s / best_cpu_s and size_mib, sets rate and crate
# (MiB/s by wall and by CPU time) and ratio and cratio (REF's time / NAME's:
# above 1, NAME is faster).
rates() {
  rate=$(echo "$size_mib / ${best_s[$1]}" | bc -l)
  crate=$(echo "$size_mib / ${best_cpu_s[$1]}" | bc -l)
  ratio=$(echo "${best_s[$2]} / ${best_s[$1]}" | bc -l)
  cratio=$(echo "${best_cpu_s[$2]} / ${best_cpu_s[$1]}" | bc -l)
}

# make_tree DIR SIZE_MIB: DIR/tree holds copies of the files of /usr/lib,
# /usr/bin and /usr/share/doc in path order until SIZE_MIB; page-cached and
# written back (a tool that syncs would otherwise pay for the copy). Sets
# tree_files, tree_bytes and tree_gib.
make_tree() {
  local dir=$1 limit=$(($2 << 20))
  find /usr/lib /usr/bin /usr/share/doc -xdev -type f -readable -printf '%s %p\n' 2>/dev/null | sort -k2 |
    awk -v lim="$limit" '!full { if (sum + $1 > lim) { full = 1; next } sum += $1; print substr($0, index($0, " ") + 1) }' > "$dir/list"
  mkdir -p "$dir/tree"
  tar -cf - -T "$dir/list" 2>/dev/null | tar -xf - -C "$dir/tree"
  tree_files=$(find "$dir/tree" -type f | wc -l)
  tree_bytes=$(du -sb "$dir/tree" | cut -f1)
  tree_gib=$(echo "scale=6; $tree_bytes / 1073741824" | bc)
  tar -cf - -C "$dir" tree > /dev/null
  sync
}

# edit_tree DIR: edits every 10th file of DIR/tree in path order (4 KiB
# overwritten in the middle, 100 bytes appended), then page-caches and writes
# back as make_tree does. Sets tree_edited.
edit_tree() {
  local dir=$1 i=0 f sz
  while IFS= read -r f; do
    i=$((i + 1)); (( i % 10 == 0 )) || continue
    sz=$(stat -c %s "$f")
    (( sz > 8192 )) && head -c 4096 /dev/urandom | dd of="$f" bs=1 seek=$((sz / 2)) conv=notrunc status=none
    head -c 100 /dev/urandom >> "$f"
  done < <(find "$dir/tree" -type f | sort)
  tree_edited=$(( i / 10 ))
  tar -cf - -C "$dir" tree > /dev/null
  sync
}

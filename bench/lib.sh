# Helpers shared by the whole-command benchmarks (sourced, not run).

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
      if [[ -z "${best_s[$name]:-}" ]] || (( $(echo "$t < ${best_s[$name]}" | bc -l) )); then best_s[$name]=$t; fi
      if [[ -z "${best_cpu_s[$name]:-}" ]] || (( $(echo "$u < ${best_cpu_s[$name]}" | bc -l) )); then best_cpu_s[$name]=$u; fi
    done
  done
}

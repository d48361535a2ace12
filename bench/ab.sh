#!/usr/bin/env bash
# Times two shell commands side by side: A B, B A, A B ... (the order flips each
# round so drift and warm caches hit both alike), RUNS rounds after one unrecorded
# warm-up round. Prints min / median / max wall seconds per command and the
# median of the per-round ratios A/B (pairing keeps the ratio meaningful when the
# machine's speed drifts), as a table on stderr and JSON on stdout.
#   bash bench/ab.sh RUNS 'COMMAND A' 'COMMAND B'
# AB_METRIC=cpu times user+sys CPU seconds instead of wall (steadier when other
# jobs load the machine; it misses time spent waiting, so report both).
# AB_BEFORE / AB_AFTER: shell commands run untimed before / after every timed
# command (set-up such as a fresh store, and clean-up, kept out of the figure).
# Example (2-thread scaling): bash bench/ab.sh 11 \
#   'build/native/chunker chunk --threads 2 F' 'build/native/chunker chunk --threads 1 F'
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
runs=${1:?usage: bash bench/ab.sh RUNS "COMMAND A" "COMMAND B"}
cmd_a=${2:?}
cmd_b=${3:?}

metric=${AB_METRIC:-wall}
[[ $metric == wall || $metric == cpu ]] || { echo "AB_METRIC must be wall or cpu" >&2; exit 2; }
field=1; [[ $metric == cpu ]] && field=2
one() {
  if [[ -n ${AB_BEFORE:-} ]]; then sh -c "$AB_BEFORE" > /dev/null; fi
  time_cmd sh -c "$1" | cut -d' ' -f$field
  if [[ -n ${AB_AFTER:-} ]]; then sh -c "$AB_AFTER" > /dev/null; fi
}
one "$cmd_a" > /dev/null
one "$cmd_b" > /dev/null
wa=() wb=() ratios=()
for ((r = 0; r < runs; r++)); do
  if ((r % 2 == 0)); then a=$(one "$cmd_a"); b=$(one "$cmd_b"); else b=$(one "$cmd_b"); a=$(one "$cmd_a"); fi
  wa+=("$a") wb+=("$b") ratios+=("$(echo "$a / $b" | bc -l)")
done
# stats LIST... -> "min median max"
stats() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {printf "%.4f %.4f %.4f", v[1], (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2), v[NR]}'; }
read -r a_min a_med a_max <<< "$(stats "${wa[@]}")"
read -r b_min b_med b_max <<< "$(stats "${wb[@]}")"
read -r r_min r_med r_max <<< "$(stats "${ratios[@]}")"
printf '%-10s %9s %9s %9s\n' "" min median max >&2
printf '%-10s %9.3f %9.3f %9.3f   %s\n' "A $metric s" "$a_min" "$a_med" "$a_max" "$cmd_a" >&2
printf '%-10s %9.3f %9.3f %9.3f   %s\n' "B $metric s" "$b_min" "$b_med" "$b_max" "$cmd_b" >&2
printf '%-10s %9.3f %9.3f %9.3f\n' "A/B" "$r_min" "$r_med" "$r_max" >&2
esc() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
printf '{"benchmark":"ab","metric":"%s","runs":%d,"a":"%s","b":"%s","a_%s_s":[%s,%s,%s],"b_%s_s":[%s,%s,%s],"ratio_a_b":[%s,%s,%s]}\n' \
  "$metric" "$runs" "$(esc "$cmd_a")" "$(esc "$cmd_b")" "$metric" "$a_min" "$a_med" "$a_max" "$metric" "$b_min" "$b_med" "$b_max" "$r_min" "$r_med" "$r_max"

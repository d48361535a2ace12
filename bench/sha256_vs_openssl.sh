#!/usr/bin/env bash
# SHA-256: chunker (best backend) vs `openssl speed -evp sha256` at 16 KiB and
# 1 MiB, in the same run. Target: ratio >= 0.95 with SHA-NI.
#   bench/sha256_vs_openssl.sh [BUILD_DIR]     (default build/native)
# Prints JSON on stdout and a short table on stderr. Both sides are measured
# in CPU time (openssl speed's default), so a busy shared machine skews less.
set -euo pipefail
build=${1:-build/native}
bench="$build/bench/bench_sha256"
[[ -x "$bench" ]] || { echo "missing $bench (build the benchmarks first)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "openssl not installed" >&2; exit 2; }

ours=$("$bench" 2>/dev/null)
best=$(CHUNKER_FORCE_ISA= "$build/chunker" --version 2>/dev/null | sed -n 's/^sha256: \([a-z_0-9]*\).*/\1/p')
best=${best:-portable}
openssl_mib() {  # openssl prints 1000s of bytes per second
  openssl speed -evp sha256 -bytes "$1" -seconds 3 2>/dev/null | awk -v n="$1" '
    $1 == "sha256" { v = $2; sub(/k$/, "", v); printf "%.1f", v * 1000 / 1048576 }'
}
ours_mib() {  # cpu_mib_s of the best backend at this size, from our JSON
  echo "$ours" | tr '{' '\n' | grep "\"backend\":\"$best\",\"bytes\":$1," |
    sed 's/.*"cpu_mib_s":\([0-9.]*\).*/\1/'
}
printf '%-8s %8s %14s %14s %7s\n' size backend "chunker MiB/s" "openssl MiB/s" ratio >&2
json="{\"benchmark\":\"sha256_vs_openssl\",\"backend\":\"$best\",\"openssl\":\"$(openssl version)\",\"results\":["
sep=""
for bytes in 16384 1048576; do
  o=$(openssl_mib $bytes)
  c=$(ours_mib $bytes)
  r=$(awk -v c="$c" -v o="$o" 'BEGIN { printf "%.3f", c / o }')
  printf '%-8s %8s %14s %14s %7s\n' $bytes "$best" "$c" "$o" "$r" >&2
  json+="$sep{\"bytes\":$bytes,\"chunker_mib_s\":$c,\"openssl_mib_s\":$o,\"ratio\":$r}"
  sep=","
done
echo "$json]}"

#!/usr/bin/env bash
# Runs the upstream projects' own test files through chunker and checks each
# against what the reference program does with it. Nothing is vendored: the
# sources come from Debian with `apt-get source` (scripts/debian-source.sh,
# cached in $CHUNKER_CACHE by version). Sets (docs/codecs.md lists them):
#
#   xz-utils  (the installed xz's source) tests/files/*: .xz, .lzma, .lz   ref: xz -dc
#   zstd 1.5.7 (Debian trixie) tests/golden-decompression{,-errors}/*     ref: that version's zstd -dc
#             tests/golden-compression/*: chunker compresses -> ref decodes, ref compresses -> chunker decodes,
#             and `chunker compress --codec zstd -T 2 FILE` = `zstd -T2 FILE` byte for byte
#   bzip2     sample{1,2,3}.bz2 (+ .ref)                                   ref: bzip2 -dc
#   lz4       tests/goldenSamples/* and frames the lz4 program writes with every option
#             (block sizes, linked blocks, checksums, content size, legacy -l, concatenation)  ref: lz4 -dc
#   nix       tests/case.nar (restore), NAR dump and hash of source trees   ref: nix-store, nix-hash
#
# Expectation: decode to exactly the reference's bytes when it decodes, fail
# when it fails; exceptions (with reasons) in tests/corpora/expect.txt.
#
#   tests/corpora/run.sh [CHUNKER]      # default build/native/chunker
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=$(realpath "${1:-$ROOT/build/native/chunker}")
[[ -x $C ]] || { echo "corpora: no chunker binary at $C" >&2; exit 1; }
for t in xz lz4 bzip2 nix-store nix-hash; do
  command -v "$t" >/dev/null || { echo "corpora: reference program $t is missing (scripts/apt-packages.txt)" >&2; exit 1; }
done
src() { bash "$ROOT/scripts/debian-source.sh" "$@"; }
ZREF=$(bash "$ROOT/scripts/zstd-native.sh")/bin/zstd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mismatches=0

# expectation SET FILE: ref (default), refuse or either.
expectation() {
  local set=$1 base glob exp
  base=$(basename "$2")
  while read -r s glob exp _; do
    [[ -z $s || $s == \#* || $s != "$set" ]] && continue
    # shellcheck disable=SC2053
    [[ $base == $glob ]] && { echo "$exp"; return; }
  done < "$ROOT/tests/corpora/expect.txt"
  echo ref
}

declare -A n_exact n_reject n_other
# check SET FILE REF-COMMAND...: decode FILE with the reference (stdout) and
# with chunker, compare as the expectation says.
check() {
  local set=$1 f=$2; shift 2
  local ref_rc=0 our_rc=0 exp verdict
  "$@" < "$f" > "$work/ref" 2>/dev/null || ref_rc=$?
  "$C" decompress -q "$f" "$work/got" -f 2>"$work/err" || our_rc=$?
  exp=$(expectation "$set" "$f")
  if [[ $exp == refuse ]]; then
    [[ $our_rc != 0 ]] && verdict=other || verdict="decoded a file it must refuse"
  elif [[ $exp == either ]]; then
    if [[ $our_rc == 0 && $ref_rc == 0 ]] && ! cmp -s "$work/ref" "$work/got"; then verdict="decoded to different bytes"
    else verdict=other; fi
  elif [[ $ref_rc == 0 ]]; then
    if [[ $our_rc != 0 ]]; then verdict="refused ($(head -c 200 "$work/err")) but the reference decodes it"
    elif cmp -s "$work/ref" "$work/got"; then verdict=exact
    else verdict="decoded to different bytes than the reference"; fi
  else
    [[ $our_rc != 0 ]] && verdict=reject || verdict="decoded it but the reference fails (exit $ref_rc)"
  fi
  [[ $our_rc == 0 || $our_rc == 1 ]] || verdict="exit status $our_rc (expected 0 or 1)"
  case $verdict in
    exact) n_exact[$set]=$(( ${n_exact[$set]:-0} + 1 )) ;;
    reject) n_reject[$set]=$(( ${n_reject[$set]:-0} + 1 )) ;;
    other) n_other[$set]=$(( ${n_other[$set]:-0} + 1 )) ;;
    *) echo "MISMATCH $set $(basename "$f"): $verdict"; mismatches=$((mismatches + 1)) ;;
  esac
}
fail() { echo "MISMATCH $1"; mismatches=$((mismatches + 1)); }
summary() {
  printf '%-10s %-34s %4d decoded exactly, %3d rejected as the reference does, %2d per expect.txt\n' \
    "$1" "$2" "${n_exact[$1]:-0}" "${n_reject[$1]:-0}" "${n_other[$1]:-0}"
}

# ---- xz-utils -------------------------------------------------------------------
XZ=$(src bookworm xz-utils)
for f in "$XZ"/tests/files/*.xz "$XZ"/tests/files/*.lzma "$XZ"/tests/files/*.lz; do check xz-utils "$f" xz -dc; done
summary xz-utils "$(basename "$XZ") tests/files"

# ---- zstd -----------------------------------------------------------------------
ZS=$(src trixie libzstd)
for f in "$ZS"/tests/golden-decompression/* "$ZS"/tests/golden-decompression-errors/*; do
  check zstd "$f" "$ZREF" -dc
done
[[ ${n_exact[zstd]:-0} -ge 4 && ${n_reject[zstd]:-0} -ge 3 ]] || fail "zstd: golden sets not found in $ZS/tests"
for f in "$ZS"/tests/golden-compression/*; do
  b=$(basename "$f")
  for lv in 1 3 19; do
    "$C" compress --codec zstd --level "$lv" "$f" "$work/ours.zst" \
      && "$ZREF" -dcq "$work/ours.zst" | cmp -s - "$f" || fail "zstd: $b at level $lv: our frame does not decode to the input with zstd"
    "$ZREF" -q -"$lv" -c "$f" > "$work/ref.zst"
    "$C" decompress -q "$work/ref.zst" | cmp -s - "$f" || fail "zstd: $b: zstd -$lv's frame does not decode to the input"
  done
  # README: `compress --codec zstd -T N FILE` writes what `zstd -T N FILE` writes.
  "$C" compress --codec zstd -T 2 "$f" "$work/ours-t2.zst"
  "$ZREF" -q -T2 -c "$f" > "$work/ref-t2.zst"
  cmp -s "$work/ours-t2.zst" "$work/ref-t2.zst" || fail "zstd: $b: compress -T 2 FILE differs from zstd -T2 FILE"
  n_exact[zstd-compress]=$(( ${n_exact[zstd-compress]:-0} + 1 ))
done
summary zstd "$(basename "$ZS") golden-decompression*"
echo "zstd       golden-compression: ${n_exact[zstd-compress]:-0} inputs x levels 1/3/19 both ways, -T 2 byte-identical"

# ---- bzip2 ----------------------------------------------------------------------
BZ=$(src bookworm bzip2)
for i in 1 2 3; do
  check bzip2 "$BZ/sample$i.bz2" bzip2 -dc
  cmp -s "$work/got" "$BZ/sample$i.ref" || fail "bzip2: sample$i.bz2 does not decode to sample$i.ref"
  for lv in 1 9; do
    "$C" compress --codec bzip2 --level "$lv" "$BZ/sample$i.ref" "$work/ours.bz2"
    bzip2 -dc "$work/ours.bz2" | cmp -s - "$BZ/sample$i.ref" || fail "bzip2: our level $lv stream of sample$i.ref"
  done
done
summary bzip2 "$(basename "$BZ") sample1-3"

# ---- lz4 ------------------------------------------------------------------------
LZ=$(src bookworm lz4)
for f in "$LZ"/tests/goldenSamples/*; do check lz4 "$f" lz4 -dc; done
: > "$work/empty"
# > 8 MiB, so legacy frames have several blocks and -B4..7 many.
# (cat may be cut off by head's early exit: SIGPIPE there is expected, not a failure)
{ for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do cat "$BZ"/sample*.ref "$XZ"/tests/files/*; done || true; } \
  | head -c 9500000 > "$work/big"
for in in "$work/empty" "$BZ/sample1.ref" "$work/big"; do
  for opts in "-1" "-9" "-12" "-B4" "-B5" "-B6" "-B7" "-BD" "-BD -B4" "-BX" "--content-size" "--no-frame-crc" \
              "--favor-decSpeed -12" "-l" "-l -9"; do
    # shellcheck disable=SC2086
    lz4 -q $opts -c < "$in" > "$work/opt.lz4"
    cp "$work/opt.lz4" "$work/lz4-$(basename "$in")${opts// /}.lz4"
    check lz4 "$work/lz4-$(basename "$in")${opts// /}.lz4" lz4 -dc
    rm -f "$work/lz4-$(basename "$in")${opts// /}.lz4"
  done
done
# Concatenations the lz4 program reads: frame+frame, legacy+legacy, legacy+frame.
lz4 -q -c < "$BZ/sample1.ref" > "$work/a"; lz4 -q -l -c < "$BZ/sample2.ref" > "$work/b"
cat "$work/a" "$work/a" > "$work/cat-ff.lz4"; cat "$work/b" "$work/b" > "$work/cat-ll.lz4"; cat "$work/b" "$work/a" > "$work/cat-lf.lz4"
(cat "$work/b"; printf 'garbage!') > "$work/cat-lg.lz4"
for f in "$work"/cat-*.lz4; do check lz4 "$f" lz4 -dc; done
summary lz4 "$(basename "$LZ") + lz4 program's frames"

# ---- nix ------------------------------------------------------------------------
NX=$(src bookworm nix)
nar=$NX/tests/case.nar
nix-store --restore "$work/by-nix" < "$nar"
"$C" nar restore "$nar" "$work/by-us" || fail "nix: chunker nar restore case.nar"
nix-store --dump "$work/by-nix" > "$work/n1.nar"; nix-store --dump "$work/by-us" > "$work/n2.nar"
cmp -s "$work/n1.nar" "$work/n2.nar" || fail "nix: case.nar restored differently from nix-store --restore"
n_exact[nix]=1
for d in "$NX/tests" "$XZ/tests" "$ZS/tests" "$work/by-us"; do
  nix-store --dump "$d" > "$work/ref.nar"
  "$C" nar dump "$d" > "$work/our.nar"
  cmp -s "$work/ref.nar" "$work/our.nar" || fail "nix: nar dump $d differs from nix-store --dump"
  [[ "$("$C" nar hash "$d")" == "sha256:$(nix-hash --type sha256 --base32 "$d")" ]] || fail "nix: nar hash $d differs from nix-hash"
  "$C" nar ls "$work/ref.nar" > /dev/null || fail "nix: nar ls of nix-store's NAR of $d"
  n_exact[nix]=$(( ${n_exact[nix]} + 1 ))
done
summary nix "$(basename "$NX") case.nar + 4 trees"

echo
if [[ $mismatches -gt 0 ]]; then echo "corpora: $mismatches mismatches"; exit 1; fi
echo "corpora: all upstream files behave as the reference programs (or as tests/corpora/expect.txt says)"

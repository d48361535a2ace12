#!/usr/bin/env bash
# Fault-injection suite for the chunk store (issue 16, docs/store-format.md):
# kill -9 of put / gc / get at several moments, files rewritten or truncated
# while put reads them, gc --grace 0 looping next to a large put, procfs
# inputs, a full disk (tmpfs), bit flips in packs, index files and manifests.
#
# After every fault: `store verify` is clean (crashes leave only garbage) or
# reports the damage (bit flips), every listed file either restores
# byte-exact (compared with the original by cmp) or fails with exit 1 while
# verify reports it; never an exit 0 for bytes that are not the original.
#
#   bash tests/store-faults/run.sh [CHUNKER_BINARY]
# Data is generated from fixed seeds; kill moments are fixed delays, and
# nothing asserted depends on where exactly a kill lands.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=${1:-${CHUNKER_CLI:-$ROOT/build/native/chunker}}
MNT=""
suite_cleanup() { [[ -n "$MNT" ]] && umount "$MNT" 2>/dev/null; }
NAME=store-faults
. "$ROOT/tests/lib/store_suite.sh" "$C"

# ---- the tree: small text and random files, duplicates, an empty file, a few large files
mk_tree() {  # DIR SEED
  local d=$1 s=$2 i
  mkdir -p "$d/small" "$d/rand" "$d/big"
  for i in $(seq 1 40); do txt $((i * s)) 40000 $((i * 2500 + 1)) > "$d/small/t$i"; done
  for i in $(seq 1 10); do rnd "$s-r$i" $((i * 60000 + 7)) > "$d/rand/r$i"; done
  cp "$d/rand/r3" "$d/rand/copy-of-r3"
  : > "$d/small/empty"
  rnd "$s-b1" $((9 << 20)) > "$d/big/b1"
  txt "$s" 4000000 $((12 << 20)) > "$d/big/b2"
  { rnd "$s-b3" $((3 << 20)); txt 7 900000 $((3 << 20)); } > "$d/big/b3"
}
mk_tree src 1
note "tree: $(find src -type f | wc -l) files, $(du -sm src | cut -f1) MiB"

# check STORE LABEL [clean=1]: the invariants of every fault.
check() {
  local s=$1 label=$2 clean=${3:-1} vrc=0 vout n grc
  checks=$((checks + 1))
  vout=$("$C" store verify "$s" 2>&1) || vrc=$?
  if [[ $clean == 1 && $vrc != 0 ]]; then fail "$label: verify not clean: $(echo "$vout" | head -5)"; fi
  while read -r _ _ n; do
    [[ -z "$n" ]] && continue
    grc=0
    rm -f "$W/restored"
    "$C" store get "$s" "$n" -o "$W/restored" 2>"$W/get.err" || grc=$?
    if [[ $grc == 0 ]]; then
      if [[ -f "$W/orig/$n" ]]; then cmp -s "$W/restored" "$W/orig/$n" || fail "$label: '$n' restored (exit 0) but differs from the original"
      else cmp -s "$W/restored" "$W/$n" || fail "$label: '$n' restored (exit 0) but differs from the original"; fi
    else
      [[ -e "$W/restored" ]] && fail "$label: failed get of '$n' left its output"
      [[ $vrc != 0 ]] || fail "$label: get '$n' failed ($(head -c 300 "$W/get.err")) but verify was clean"
      grep -qF "'$n'" <<<"$vout" || fail "$label: get '$n' failed but verify does not name it"
    fi
  done < <("$C" store ls "$s" 2>/dev/null)
}
listed() {  # STORE NAME: is NAME listed? (awk reads all of ls: no SIGPIPE under pipefail)
  "$C" store ls "$1" 2>/dev/null | awk -v n="$2" '$3 == n {f = 1} END {exit !f}'
}
all_listed() {  # STORE LABEL: every file of src/ is listed
  local want got
  want=$(cd "$W" && find src -type f | sort)
  got=$("$C" store ls "$1" | awk '{print $3}' | grep '^src/' | sort)
  [[ "$want" == "$got" ]] || fail "$2: not every file is listed ($(comm -3 <(echo "$want") <(echo "$got") | head -3))"
}

# ---- 1. kill -9 of put at several moments, then a complete put
note "kill -9 of put"
"$C" store init s1 >/dev/null
for delay in 0.05 0.3 1.0; do
  "$C" store put s1 src --no-cache --quiet --threads 2 & pid=$!
  sleep "$delay"; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  check s1 "put killed after ${delay}s"
done
"$C" store put s1 src --quiet || fail "complete put after the kills failed"
check s1 "put after kills"; all_listed s1 "put after kills"
# the leases of the killed puts are dead: gc removes them and is not deferred
find s1 -exec touch -h -d '2 hours ago' {} +
out=$("$C" store gc s1 --grace 0) || fail "gc after killed puts: $out"
grep -q deferred <<<"$out" && fail "gc deferred by dead leases: $out"
[[ $(find s1/leases -type f | wc -l) == 0 ]] || fail "dead leases left"
check s1 "gc after killed puts"; all_listed s1 "gc after killed puts"

# ---- 2. kill -9 of gc at several moments (garbage to drop and packs to repack)
note "kill -9 of gc"
for delay in 0.01 0.05 0.15; do
  cp -a s1 s2
  # new content under some names: their old chunks become garbage (whole packs and parts of packs)
  mkdir -p g && for i in 1 2 3 4 5; do rnd "g$delay$i" 300000 > "g/f$i"; done
  "$C" store put s2 g --quiet --no-cache
  for i in 1 2 3; do rnd "h$delay$i" 200000 > "g/f$i"; done
  "$C" store put s2 g --quiet --no-cache
  find s2 -exec touch -h -d '2 hours ago' {} +
  "$C" store gc s2 --grace 0 >/dev/null & pid=$!
  sleep "$delay"; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  check s2 "gc killed after ${delay}s"
  "$C" store gc s2 --grace 0 >/dev/null || fail "gc after a killed gc failed"
  check s2 "gc after killed gc"; all_listed s2 "gc after killed gc"
  rm -rf s2 g
done

# ---- 3. kill -9 of get -o: no output, and the next get removes the stale temporary
note "kill -9 of get -o"
mkdir -p out
"$C" store get s1 src/big/b2 -o out/b2 & pid=$!
sleep 0.05; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
[[ -e out/b2 ]] && ! cmp -s out/b2 src/big/b2 && fail "killed get left a partial OUT"
"$C" store get s1 src/big/b2 -o out/b2 || fail "get after a killed get"
cmp -s out/b2 src/big/b2 || fail "get after a killed get: differs"
[[ $(ls out | grep -c chunker-get) == 0 ]] || fail "stale get temporaries left: $(ls out)"
# also with a planted temporary of a dead process
pid=$(sh -c 'echo $$'); echo partial > "out/b2.chunker-get-$pid"
"$C" store get s1 src/big/b2 -o out/b2 && [[ ! -e "out/b2.chunker-get-$pid" ]] || fail "planted stale temporary kept"

# ---- 4. a file rewritten in place / truncated while put reads it (stopped after its first read)
note "files changed while put reads them"
for what in rewrite truncate grow; do
  rm -rf cw && mkdir -p cw orig/cw && cp src/big/b1 cw/victim && txt 3 1000 5000 > cw/bystander && cp cw/bystander orig/cw/
  cw_out=$(CHUNKER_TEST_STOP_AFTER_READ=cw/victim "$C" store put s1 cw/victim cw/bystander --no-cache 2>&1 & pid=$!
           for _ in $(seq 1 200); do [[ $(ps -o stat= -p $pid 2>/dev/null) == T* ]] && break; sleep 0.02; done
           case $what in
             rewrite) rnd "rw" 65536 | dd of=cw/victim bs=65536 seek=40 conv=notrunc status=none ;;
             truncate) truncate -s 1000000 cw/victim ;;
             grow) rnd "gr" 100000 >> cw/victim ;;
           esac
           kill -CONT $pid; wait $pid; echo "rc=$?")
  grep -q "rc=1" <<<"$cw_out" || fail "$what while read: put did not exit 1: $cw_out"
  grep -q "cw/victim" <<<"$cw_out" || fail "$what while read: the file is not named: $cw_out"
  listed s1 cw/victim && fail "$what while read: the changed file was listed"
  listed s1 cw/bystander || fail "$what while read: the other file was not stored"
  check s1 "$what while read"
done
rm -rf cw

# ---- 5. gc --grace 0 in a loop while a large put runs
note "gc --grace 0 looping next to a put"
mk_tree src2 2
"$C" store init s3 >/dev/null
"$C" store put s3 src --quiet
# garbage old enough to be condemned: every gc of the loop writes a plan and must defer while the put runs
rnd junk 4000000 > junk && "$C" store put s3 junk --quiet
rnd junk2 100 > junk && "$C" store put s3 junk --quiet --no-cache
find s3 -exec touch -h -d '2 hours ago' {} +
"$C" store put s3 src2 src --quiet --no-cache --threads 2 & pid=$!
loops=0 deferred=0 removed=0
while kill -0 $pid 2>/dev/null; do
  o=$("$C" store gc s3 --grace 0 2>&1) || fail "gc next to put: $o"
  grep -q deferred <<<"$o" && deferred=$((deferred + 1))
  grep -q "^[1-9][0-9]* packs" <<<"$o" && removed=$((removed + 1))
  loops=$((loops + 1))
done
wait $pid || fail "put next to gc --grace 0 failed"
note "gc ran $loops times next to the put ($deferred deferred, $removed deleted packs)"
check s3 "gc loop next to put"; all_listed s3 "gc loop next to put"
listed s3 src2/big/b2 || fail "src2 not listed after the gc loop"
# now no put runs: the junk garbage goes (if a gc of the loop did not already get it)
o=$("$C" store gc s3 --grace 0) || fail "gc after the loop: $o"
grep -q "^[1-9][0-9]* packs" <<<"$o" && removed=$((removed + 1))
[[ $removed -ge 1 ]] || fail "no gc removed the garbage pack: $o"
check s3 "gc after the loop"; rm -rf src2 s3

# ---- 6. procfs / sysfs inputs
note "procfs inputs"
"$C" store init sp >/dev/null
"$C" store put sp /proc/version /proc/cpuinfo /proc/self/status /sys/kernel/mm/transparent_hugepage/enabled --quiet ||
  fail "procfs put failed"
"$C" store get sp proc/version | cmp -s - /proc/version || fail "/proc/version not restored byte-exact"
[[ $("$C" store get sp proc/cpuinfo | wc -c) -gt 100 ]] || fail "/proc/cpuinfo stored short"
"$C" store get sp sys/kernel/mm/transparent_hugepage/enabled | cmp -s - /sys/kernel/mm/transparent_hugepage/enabled ||
  fail "sysfs file not restored byte-exact"
[[ $("$C" store get sp proc/self/status | wc -c) -gt 100 ]] || fail "/proc/self/status stored short"
"$C" store verify sp >/dev/null || fail "procfs store does not verify"

# ---- 7. disk full (a small tmpfs)
note "disk full"
MNT=$W/full && mkdir -p "$MNT"
if mount -t tmpfs -o size=6m tmpfs "$MNT" 2>/dev/null; then
  "$C" store init "$MNT/s" >/dev/null
  df_out=$("$C" store put "$MNT/s" src --no-cache 2>&1); rc=$?
  [[ $rc == 1 ]] || fail "put on a full disk: exit $rc, expected 1"
  grep -qi "no space" <<<"$df_out" || fail "put on a full disk: no 'No space' message: $(tail -2 <<<"$df_out")"
  check "$MNT/s" "disk full"
  rnd small 1000 > one
  find "$MNT/s" -exec touch -h -d '2 hours ago' {} +
  "$C" store gc "$MNT/s" --grace 0 >/dev/null || fail "gc on the full disk failed"
  "$C" store put "$MNT/s" one --quiet || fail "put after gc freed the full disk failed"
  check "$MNT/s" "after disk full"
  listed "$MNT/s" one || fail "after disk full: 'one' not listed"
  umount "$MNT"; MNT=""
elif [[ "${CI:-}" == true || "${CHUNKER_REQUIRE_TOOLS:-}" == 1 ]]; then
  fail "cannot mount a tmpfs (needs root) for the disk-full test"
else
  echo "SKIP: disk full (mount -t tmpfs needs root)"
fi

# ---- 8. bit flips in packs, index files and manifests
note "bit flips"
flip() {  # FILE OFFSET
  local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $(( b ^ 0x10 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
flipcase() {  # LABEL FILE OFFSET
  rm -rf s4 && cp -a s1 s4
  local f=${2/s1/s4}
  flip "$f" "$3"
  local vrc=0; "$C" store verify s4 >/dev/null 2>&1 || vrc=$?
  [[ $vrc == 1 ]] || fail "$1: verify exit $vrc after a bit flip in $f"
  check s4 "$1" 0
}
pack=$(find s1/packs -name '*.pack' | sort | head -1); psize=$(stat -c %s "$pack")
flipcase "pack blob" "$pack" 100
flipcase "pack middle" "$pack" $((psize / 2))
flipcase "pack footer" "$pack" $((psize - 40))
idx=$(find s1/index -name '*.idx' | head -1)
flipcase "index entry" "$idx" 100
flipcase "index header" "$idx" 9
man=$(find s1/manifests -name '*.json' | sort | head -1)
for off in 60 150 $(( $(stat -c %s "$man") - 20 )); do flipcase "manifest byte $off" "$man" "$off"; done
# get to standard output writes nothing for a small file it rejects
rm -rf s4 && cp -a s1 s4
mf=s4/manifests/$(printf '%s' src/small/t5 | b3sum --no-names | cut -c1-64).json
flip "$mf" 120
[[ $("$C" store get s4 src/small/t5 2>/dev/null | wc -c) == 0 ]] || fail "get wrote bytes of a rejected file to stdout"

echo
echo "store-faults: $checks checks, $failures failures"
[[ $failures == 0 ]]

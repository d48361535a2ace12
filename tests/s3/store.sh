#!/usr/bin/env bash
# The chunk store on S3 (Ceph RGW), through the CLI: the same commands and
# format as a local store (docs/s3.md, docs/store-format.md "S3").
#
#   round trips (small, large, many files, an empty file; packs as multipart
#   uploads too), each file restored byte-exact and equal to `store get` of
#   the same data in a local store; `ls` equal to the local store's;
#   two writers at once with overlapping data; gc --grace 0 in a loop while
#   two puts run; bad URLs, wrong credentials, a missing bucket (messages and
#   exit codes).
#
#   eval "$(bash scripts/s3/rgw.sh start)"; bash tests/s3/store.sh [CHUNKER_BINARY]
#
# Needs AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, CHUNKER_S3_ENDPOINT,
# CHUNKER_S3_BUCKET (scripts/s3/rgw.sh exports them). Data comes from fixed
# seeds; nothing asserted depends on timing. Every run uses its own prefix.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=${1:-${CHUNKER_CLI:-$ROOT/build/native/chunker}}
command -v b3sum >/dev/null || { echo "s3 store: b3sum is missing (apt-get install b3sum)" >&2; exit 1; }
for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY CHUNKER_S3_ENDPOINT CHUNKER_S3_BUCKET; do
  [[ -n "${!v:-}" ]] || { echo "s3 store: $v is not set (eval \"\$(bash scripts/s3/rgw.sh start)\" first)" >&2; exit 1; }
done
NAME=s3-store
. "$ROOT/tests/lib/store_suite.sh" "$C"

RUN=run-$$-$RANDOM
E=$CHUNKER_S3_ENDPOINT B=$CHUNKER_S3_BUCKET
url() { echo "s3://$B/$RUN/$1?endpoint=$E&region=us-east-1"; }

# check STORE LABEL [LOCAL]: verify is clean (it restores every file to
# nowhere and checks it against its manifest's BLAKE3), every manifest's
# BLAKE3 is b3sum's of the original (orig/NAME, else NAME under $W), and files
# restored with `get` are byte-exact: every file over 1 MiB and one in 20 of
# the others (a process each for 1500 tiny files would take minutes). With
# LOCAL, each restored file also equals `store get` of it from that local store.
orig_of() { if [[ -f "$W/orig/$1" ]]; then echo "$W/orig/$1"; else echo "$W/$1"; fi; }
check() {
  local s=$1 label=$2 loc=${3:-} vout n size i=0
  checks=$((checks + 1))
  vout=$("$C" store verify "$s" 2>&1) || fail "$label: verify not clean: $(echo "$vout" | head -5)"
  "$C" store ls "$s" --json | sed 's/},{/}\n{/g' |
    sed -n 's/.*"name":"\([^"]*\)","size":\([0-9]*\).*"blake3":"\([0-9a-f]*\)".*/\1 \3 \2/p' | sort > "$W/listed"
  while read -r n _; do orig_of "$n"; done < "$W/listed" > "$W/paths"
  paste -d' ' <(cut -d' ' -f1 "$W/listed") <(xargs -r -d '\n' b3sum --no-names < "$W/paths") > "$W/want"
  cut -d' ' -f1,2 "$W/listed" | cmp -s "$W/want" - ||
    fail "$label: a manifest's BLAKE3 is not the original's: $(cut -d' ' -f1,2 "$W/listed" | comm -3 "$W/want" - | head -2)"
  while read -r n _ size; do
    i=$((i + 1))
    (( size > 1048576 || i % 20 == 1 )) || continue
    rm -f "$W/restored" "$W/restored.local"
    if ! "$C" store get "$s" "$n" -o "$W/restored" 2>"$W/get.err"; then
      fail "$label: get '$n' failed: $(head -c 300 "$W/get.err")"
      continue
    fi
    cmp -s "$W/restored" "$(orig_of "$n")" || fail "$label: '$n' differs from the original"
    if [[ -n "$loc" ]]; then
      "$C" store get "$loc" "$n" -o "$W/restored.local" || fail "$label: local get '$n' failed"
      cmp -s "$W/restored" "$W/restored.local" || fail "$label: '$n' from S3 differs from the local store's"
    fi
  done < "$W/listed"
}
all_listed() {  # STORE LABEL DIR...: every file under DIR... is listed
  local s=$1 label=$2 want got; shift 2
  want=$(find "$@" -type f | sort)
  got=$("$C" store ls "$s" | awk '{print $3}' | sort)
  [[ "$want" == "$got" ]] || fail "$label: listed files differ from the tree ($(comm -3 <(echo "$want") <(echo "$got") | head -3))"
}
expect() {  # LABEL WANT_RC PATTERN COMMAND...: exit status and a message on stderr
  local label=$1 want=$2 pat=$3 rc=0; shift 3
  checks=$((checks + 1))
  "$@" >"$W/out" 2>"$W/err" || rc=$?
  [[ $rc == "$want" ]] || fail "$label: exit $rc, expected $want ($(head -c 300 "$W/err"))"
  grep -qF -- "$pat" "$W/err" || fail "$label: stderr lacks '$pat': $(head -c 300 "$W/err")"
}

# ---- the tree: small and duplicated files, an empty file, large files, many tiny files
mkdir -p t/small t/big t/many
for i in $(seq 1 60); do txt $((i * 7)) 30000 $((i * 331 + 1)) > "t/small/s$i"; done
cp t/small/s17 t/small/copy-of-s17
: > t/small/empty
rnd big1 $((40 << 20)) > t/big/random40m
txt 3 3000000 $((18 << 20)) > t/big/text18m
{ rnd big3 $((5 << 20)); txt 9 900000 $((3 << 20)); rnd big3 $((5 << 20)); } > t/big/mixed
for i in $(seq 1 1500); do echo "file $i $((i * i))" > "t/many/f$i"; done
note "tree: $(find t -type f | wc -l) files, $(du -sm t | cut -f1) MiB"

# ---- 1. round trips, against a local store of the same data
note "round trips"
S=$(url rt)
"$C" store init "$S" >/dev/null || fail "init $S"
"$C" store init local >/dev/null
"$C" store put "$S" t --quiet || fail "put to S3"
"$C" store put local t --quiet || fail "put to the local store"
all_listed "$S" "round trip" t
check "$S" "round trip" local
cmp -s <("$C" store ls "$S" --json) <("$C" store ls local --json) || fail "ls --json of S3 and local stores differ"
cmp -s <("$C" store ls "$S") <("$C" store ls local) || fail "ls of S3 and local stores differ"
# unchanged files are skipped by the files cache (kept on this machine, keyed by the store id)
sleep 2  # the cache skips files changed within a second of a put
"$C" store put "$S" t --quiet --no-cache || fail "second put"
out=$(CHUNKER_S3_STATS=1 "$C" store put "$S" t 2>&1) || fail "put with the files cache"
grep -qF "total: $(find t -type f | wc -l) files ($(find t -type f | wc -l) unchanged, 0 failed)" <<<"$out" ||
  fail "files cache on S3: $(tail -2 <<<"$out")"
# ... without a GET per file: one listing of manifests/ shows they are still the objects put wrote
req=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$out")
[[ -n "$req" && $req -lt 30 ]] || fail "a put of 1565 unchanged files made $req requests: $(tail -1 <<<"$out")"
# replacing a name: the new content restores, the old is garbage gc removes
mkdir -p orig/t/big && rnd replaced 70000 > orig/t/big/random40m
"$C" store put "$S" orig/t/big/random40m --name t/big/random40m --quiet || fail "replace t/big/random40m"
sleep 3  # older than gc's 2 s timestamp margin
out=$("$C" store gc "$S" --grace 0) || fail "gc: $out"
n=$(sed -n 's/^\([0-9]*\) packs.*/\1/p' <<<"$out")
[[ -n "$n" && $n -ge 1 ]] || fail "gc removed none of the replaced file's packs: $out"
check "$S" "after replace + gc"
rm -rf orig

# ---- 2. packs as multipart uploads (threshold lowered below the pack size)
note "multipart packs"
M=$(url mp)
"$C" store init "$M" >/dev/null
out=$(CHUNKER_S3_STATS=1 CHUNKER_S3_MULTIPART_THRESHOLD=5M CHUNKER_S3_PART_SIZE=5M "$C" store put "$M" t/big --quiet 2>&1) ||
  fail "multipart put: $out"
mp=$(sed -n 's/.*"multipart":\([0-9]*\).*/\1/p' <<<"$out")
[[ -n "$mp" && "$mp" -ge 8 ]] || fail "packs were not uploaded as multipart: $out"
check "$M" "multipart" local

# ---- 3. two writers at once, overlapping data
note "two concurrent writers"
mkdir -p w1 w2
cp -r t/small w1/ && cp t/big/mixed w1/ && rnd w1only 3000000 > w1/own
cp -r t/small w2/ && cp t/big/mixed w2/ && rnd w2only 3000000 > w2/own
K=$(url cw)
"$C" store init "$K" >/dev/null
"$C" store put "$K" w1 --quiet --no-cache & p1=$!
"$C" store put "$K" w2 --quiet --no-cache & p2=$!
wait $p1 || fail "writer 1 failed"
wait $p2 || fail "writer 2 failed"
all_listed "$K" "two writers" w1 w2
check "$K" "two writers" 

# ---- 4. gc --grace 0 in a loop while two puts run
note "gc --grace 0 looping next to two puts"
G=$(url gc)
"$C" store init "$G" >/dev/null
rnd junk 3000000 > junk && "$C" store put "$G" junk --quiet
rnd junk2 1000 > junk && "$C" store put "$G" junk --quiet --no-cache   # the first junk's pack is garbage now
sleep 3  # garbage older than the timestamp margin: every gc below plans to delete it
mkdir -p g1 g2 && cp -r t/small g1/ && cp t/big/text18m g1/ && cp -r t/small g2/ && rnd g2 8000000 > g2/r
"$C" store put "$G" g1 --quiet --no-cache & p1=$!
"$C" store put "$G" g2 --quiet --no-cache & p2=$!
loops=0 deferred=0
while kill -0 $p1 2>/dev/null || kill -0 $p2 2>/dev/null; do
  o=$("$C" store gc "$G" --grace 0 2>&1) || fail "gc next to puts: $o"
  loops=$((loops + 1))
  grep -q deferred <<<"$o" && deferred=$((deferred + 1))
done
wait $p1 || fail "put 1 next to gc --grace 0 failed"
wait $p2 || fail "put 2 next to gc --grace 0 failed"
note "gc ran $loops times next to the puts ($deferred deferred)"
all_listed "$G" "gc loop" junk g1 g2
check "$G" "gc loop"
o=$("$C" store gc "$G" --grace 0) || fail "gc after the puts: $o"
grep -q deferred <<<"$o" && fail "gc deferred with no put running: $o"
check "$G" "gc after the puts"

# ---- 5. bad input: URLs, credentials, a missing bucket (stores named in messages; exit 2 = usage)
note "bad input"
expect "no endpoint" 2 "invalid S3 URL" "$C" store init "s3://$B/x"
expect "bad bucket name" 2 "bucket name 'Bad_Bucket' is not valid" "$C" store ls "s3://Bad_Bucket/x?endpoint=$E"
expect "ftp endpoint" 2 "must start with http:// or https://" "$C" store ls "s3://$B/x?endpoint=ftp://127.0.0.1:1"
expect "dot-dot prefix" 2 "invalid S3 URL" "$C" store ls "s3://$B/a/../b?endpoint=$E"
expect "unknown parameter" 2 "invalid S3 URL" "$C" store ls "s3://$B/x?endpoint=$E&colour=blue"
expect "no access key" 2 "AWS_ACCESS_KEY_ID" env -u AWS_ACCESS_KEY_ID "$C" store ls "$S"
expect "wrong secret" 1 "s3://$B/$RUN/rt/store.json: 403 SignatureDoesNotMatch" \
  env AWS_SECRET_ACCESS_KEY=wrong "$C" store ls "$S"
expect "wrong access key" 1 "403 InvalidAccessKeyId: the server does not know this access key (check AWS_ACCESS_KEY_ID)" \
  env AWS_ACCESS_KEY_ID=nobody "$C" store put "$S" t/small/s1
nb="s3://no-such-bucket-$$/x?endpoint=$E"
nbmsg="s3://no-such-bucket-$$: no such bucket at $E"
expect "missing bucket (init)" 1 "$nbmsg" "$C" store init "$nb"
expect "missing bucket (put)" 1 "$nbmsg" "$C" store put "$nb" t/small/s1
expect "missing bucket (get)" 1 "$nbmsg" "$C" store get "$nb" t/small/s1
expect "missing bucket (ls)" 1 "$nbmsg" "$C" store ls "$nb"
expect "missing bucket (verify)" 1 "$nbmsg" "$C" store verify "$nb"
expect "missing bucket (gc)" 1 "$nbmsg" "$C" store gc "$nb"
expect "no store at the prefix" 1 "not a chunk store (no store.json" "$C" store ls "$(url nothing-here)"
expect "init twice" 1 "already a chunk store" "$C" store init "$S"
expect "missing name" 1 "no file named 'nope'" "$C" store get "$S" nope
expect "server down" 1 "after 2 attempts" env CHUNKER_S3_MAX_ATTEMPTS=2 "$C" store ls "s3://$B/x?endpoint=http://127.0.0.1:1"
expect "bad tuning variable" 2 "CHUNKER_S3_PART_SIZE" env CHUNKER_S3_PART_SIZE=1K "$C" store ls "$S"

echo
echo "s3 store: $checks checks, $failures failures"
[[ $failures == 0 ]]

# Shared by the shell store suites (tests/store-faults/run.sh, tests/s3/store.sh).
#   NAME=store-faults . tests/lib/store_suite.sh "$C"
# Checks the chunker binary, makes the work directory $W (removed at exit
# when everything passed or under CI, else kept to look at), counts
# failures/checks, points the files cache into $W and cds there. A suite can
# define suite_cleanup for its own teardown (runs first).
[[ -x "$1" ]] || { echo "$NAME: no chunker binary at $1" >&2; exit 1; }
C=$(readlink -f "$1")
W=$(mktemp -d "/tmp/$NAME.XXXXXX")
failures=0 checks=0
cleanup() {
  declare -F suite_cleanup >/dev/null && suite_cleanup
  jobs -p | xargs -r kill -9 2>/dev/null
  if [[ $failures == 0 || -n "${CI:-}" ]]; then rm -rf "$W"; else echo "$NAME: kept $W"; fi
}
trap cleanup EXIT
export XDG_CACHE_HOME=$W/cache
cd "$W" || exit 1
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
note() { echo "--- [${SECONDS}s] $*"; }
# Deterministic data: rnd SEED BYTES (AES-CTR keystream), txt START COUNT BYTES.
# (The writers get SIGPIPE when head has enough: masked, or pipefail would fail every call.)
rnd() { { openssl enc -aes-128-ctr -pass pass:"$1" -nosalt -pbkdf2 </dev/zero 2>/dev/null || true; } | head -c "$2"; }
txt() { { seq "$1" "$(( $1 + $2 ))" || true; } | head -c "$3"; }

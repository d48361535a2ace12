#!/usr/bin/env bash
# A throw-away single-node Ceph (mon + memstore osd + radosgw) on loopback: a
# local S3 endpoint for tests and for trying the S3 code by hand.
#
#   eval "$(bash scripts/s3/rgw.sh start [DIR])"   # prints `export` lines (keys, endpoint, bucket)
#   bash scripts/s3/rgw.sh env    [DIR]           # the same lines again
#   bash scripts/s3/rgw.sh status [DIR]           # daemons, RSS, whether S3 answers
#   bash scripts/s3/rgw.sh stop   [DIR]           # rgw, then osd, then mon; removes DIR
#
# DIR defaults to $CHUNKER_RGW_DIR (exported by `start`), else a new
# /tmp/chunker-rgw.XXXXXX. Keep it short: Ceph's admin sockets live in it and
# a unix socket path must stay under ~100 bytes. Ports are picked at run time
# from the free ones. In a test:
#
#   trap 'bash scripts/s3/rgw.sh stop "$dir"' EXIT
#   eval "$(bash scripts/s3/rgw.sh start "$dir")"
#
# Environment: CHUNKER_S3_BUCKET (bucket to create, default chunker-test),
# CHUNKER_RGW_MEMSTORE_BYTES (osd capacity, default 2 GiB; memstore keeps data
# in RAM at ~2x its size), CHUNKER_RGW_KEEP=1 (stop leaves DIR and its logs).
# Facts behind every setting: docs/s3.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { echo "rgw.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# --- packages ----------------------------------------------------------------
ensure_packages() {
  local missing=() p
  for p in radosgw ceph-mon ceph-osd curl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  say "installing ${missing[*]} (Debian packages, ~270 MB)"
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# --- free ports ----------------------------------------------------------------
# Ports below the kernel's ephemeral range that no TCP socket (v4/v6, any state) uses.
used_ports() {
  local _ addr
  while read -r _ addr _; do
    [[ "$addr" == *:* ]] && echo $((16#${addr##*:}))
  done < <(tail -q -n +2 /proc/net/tcp /proc/net/tcp6 2>/dev/null)
}
pick_ports() {  # pick_ports N -> N distinct free ports on stdout
  local n=$1 lo hi used p got=()
  read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range
  hi=$((lo - 1)); lo=10000
  used=" $(used_ports | tr '\n' ' ') "
  while [[ ${#got[@]} -lt $n ]]; do
    p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
    [[ "$used" == *" $p "* || " ${got[*]} " == *" $p "* ]] && continue
    got+=("$p")
  done
  echo "${got[@]}"
}

# --- state files ---------------------------------------------------------------
# DIR/pids: "name pid" lines in start order; DIR/env: the export lines.
resolve_dir() { local d=${1:-${CHUNKER_RGW_DIR:-}}; [[ -n "$d" ]] || die "no cluster directory (argument or \$CHUNKER_RGW_DIR)"; echo "$d"; }

alive() {  # alive PID DIR: the process runs (not a zombie) and is one of ours
  local pid=$1 dir=$2 st
  [[ -r /proc/$pid/stat ]] || return 1
  st=$(sed -e 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ "$st" != Z && "$st" != X ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/ceph.conf"
}

stop_one() {  # stop_one NAME PID DIR TIMEOUT_S: SIGTERM, then SIGKILL after the timeout
  local name=$1 pid=$2 dir=$3 t=$4 i
  alive "$pid" "$dir" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < t * 10; i++)); do alive "$pid" "$dir" || return 0; sleep 0.1; done
  say "$name (pid $pid) ignored SIGTERM for ${t}s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" "$dir" || return 0; sleep 0.1; done
  say "$name (pid $pid) still running after SIGKILL"
  return 1
}

cmd_stop() {
  local dir name pid rc=0
  dir=$(resolve_dir "${1:-}")
  [[ -d "$dir" ]] || return 0
  if [[ -f "$dir/pids" ]]; then
    # radosgw first: once mon/osd are gone it can hang on SIGTERM for > 7 s.
    for name in rgw osd mon; do
      pid=$(awk -v n="$name" '$1 == n { print $2 }' "$dir/pids")
      [[ -n "$pid" ]] && { stop_one "$name" "$pid" "$dir" 5 || rc=1; }
    done
  fi
  if [[ "${CHUNKER_RGW_KEEP:-0}" == 1 ]]; then
    say "kept $dir (logs in $dir/log)"
  elif [[ -f "$dir/ceph.conf" && $rc -eq 0 ]]; then
    rm -rf "$dir"
  fi
  return $rc
}

cmd_env() {
  local dir; dir=$(resolve_dir "${1:-}")
  [[ -f "$dir/env" ]] || die "$dir: no running cluster (no env file)"
  cat "$dir/env"
}

cmd_status() {
  local dir name pid rss total=0 rc=0 port
  dir=$(resolve_dir "${1:-}")
  [[ -f "$dir/pids" ]] || die "$dir: no cluster started here"
  while read -r name pid; do
    if alive "$pid" "$dir"; then
      rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
      total=$((total + rss))
      printf '%-4s pid %-8s rss %6d KiB\n' "$name" "$pid" "$rss"
    else
      printf '%-4s pid %-8s NOT RUNNING\n' "$name" "$pid"; rc=1
    fi
  done < "$dir/pids"
  printf 'total rss %d KiB (%d MiB)\n' "$total" $((total / 1024))
  port=$(cat "$dir/rgw.port")
  if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/") == 000 ]]; then
    echo "S3 at http://127.0.0.1:$port: not answering"; rc=1
  else
    echo "S3 at http://127.0.0.1:$port: answering"
  fi
  return $rc
}

# --- start ---------------------------------------------------------------------
write_conf() {  # write_conf DIR FSID MONPORT RGWPORT
  local d=$1
  cat > "$d/ceph.conf" <<EOF
[global]
fsid = $2
mon host = v2:127.0.0.1:$3
mon initial members = a
public addr = 127.0.0.1
ms bind msgr1 = false
ms bind msgr2 = true
# without it radosgw loops on "get_initial_auth_request returned -13"
ms mon client mode = secure crc
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
# radosgw creates its pools at start, one osdmap epoch each; the default 1 s
# between map proposals made start-up take ~20 s instead of ~2 s
paxos propose interval = 0.01
paxos min wait = 0.001
osd pool default pg autoscale mode = off
# must increase strictly, else HEALTH_ERR
mon osd nearfull ratio = .95
mon osd backfillfull ratio = .96
mon osd full ratio = .97
run dir = $d/run
admin socket = $d/run/\$name.asok
log file = $d/log/\$name.log
pid file = $d/run/\$name.pid
keyring = $d/keyring
mon data = $d/mon-\$id
osd data = $d/osd-\$id
rgw data = $d/rgw
osd objectstore = memstore
memstore device bytes = ${CHUNKER_RGW_MEMSTORE_BYTES:-2147483648}
[client.rgw.a]
# without tcp_nodelay small GETs stall ~44 ms each on delayed ACKs
rgw frontends = beast endpoint=127.0.0.1:$4 tcp_nodelay=1
EOF
}

spawn() {  # spawn NAME DIR CMD...: run a daemon in the foreground of a background job
  local name=$1 d=$2; shift 2
  # stdin/stdout/stderr away from the caller: `eval "$(rgw.sh start)"` waits for its pipe to close.
  "$@" < /dev/null >> "$d/log/$name.out" 2>&1 &
  echo "$name $!" >> "$d/pids"
}

poll() {  # poll SECONDS WHAT CMD...: run CMD every 0.1 s until it succeeds (status 2: give up)
  local t=$1 what=$2 i rc; shift 2
  for ((i = 0; i < t * 10; i++)); do
    rc=0; "$@" >/dev/null 2>&1 || rc=$?
    [[ $rc -eq 0 ]] && return 0
    [[ $rc -eq 2 ]] && { say "$what: the daemon exited"; return 1; }
    sleep 0.1
  done
  say "timed out after ${t}s waiting for $what"
  return 1
}

# Time per start-up phase, for the "ready" line.
phase() { local now; now=$(date +%s%N); phases+="$1 $(( (now - phase_t) / 1000000 )) ms, "; phase_t=$now; }

daemon_ok() { alive "$(awk -v n="$1" '$1 == n { print $2 }' "$2/pids")" "$2"; }

start_once() {  # start_once DIR: one attempt with fresh ports; non-zero on failure
  local d=$1 fsid osd_uuid monport rgwport ceph
  read -r monport rgwport <<< "$(pick_ports 2)"
  fsid=$(< /proc/sys/kernel/random/uuid)
  osd_uuid=$(< /proc/sys/kernel/random/uuid)
  mkdir -p "$d/run" "$d/log" "$d/mon-a" "$d/osd-0" "$d/rgw"
  : > "$d/pids"
  write_conf "$d" "$fsid" "$monport" "$rgwport"
  ceph=(ceph -c "$d/ceph.conf" --connect-timeout 15)

  # (called in an `&&` list, where set -e is off: every step checks its status)
  ceph-authtool --create-keyring "$d/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null || return 1
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$monport]" "$d/monmap" >/dev/null || return 1
  ceph-mon -c "$d/ceph.conf" --mkfs -i a --monmap "$d/monmap" --keyring "$d/keyring" >> "$d/log/mkfs.out" 2>&1 || return 1
  spawn mon "$d" ceph-mon -c "$d/ceph.conf" -i a -f
  phase mkfs+mon
  # `ceph osd new` waits (up to --connect-timeout) for the monitor to answer.
  [[ $("${ceph[@]}" osd new "$osd_uuid" 2>>"$d/log/mkfs.out") == 0 ]] || { say "ceph osd new failed (mon not up?)"; return 1; }
  ceph-osd -c "$d/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >> "$d/log/mkfs.out" 2>&1 || return 1
  spawn osd "$d" ceph-osd -c "$d/ceph.conf" -i 0 -f
  phase osd
  # radosgw waits for the osd itself: starting both at once saves seconds.
  spawn rgw "$d" radosgw -c "$d/ceph.conf" -n client.rgw.a -f
  rgw_answers() {
    daemon_ok rgw "$d" || return 2
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$rgwport/") != 000 ]]
  }
  poll 60 "radosgw on port $rgwport" rgw_answers || return 1
  phase rgw
  echo "$rgwport" > "$d/rgw.port" || return 1
}

cmd_start() {
  local t0 t1 attempt ak sk bucket port code
  dir=${1:-${CHUNKER_RGW_DIR:-}}  # global: the EXIT trap below reads it
  ensure_packages
  [[ -n "$dir" ]] || dir=$(mktemp -d /tmp/chunker-rgw.XXXXXX)
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
  # run/client.rgw.a.<pid>.<cookie>.asok must fit a unix socket path (108 bytes).
  [[ ${#dir} -le 60 ]] || die "$dir: path too long for Ceph's admin sockets (keep it under 60 characters)"
  [[ ! -f "$dir/pids" ]] || die "$dir: a cluster was already started here (rgw.sh stop \"$dir\" first)"
  # `stop` removes the whole directory: never adopt one that holds anything else.
  [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty (give a new or empty directory)"
  # A failed start leaves nothing running behind.
  trap 'rc=$?; if [[ $rc -ne 0 ]]; then say "start failed (status $rc); stopping what it started"; CHUNKER_RGW_KEEP=${CHUNKER_RGW_KEEP:-0} cmd_stop "$dir" || true; fi' EXIT

  t0=$(date +%s%N)
  phases="" phase_t=$t0
  for attempt in 1 2 3; do
    start_once "$dir" && break
    say "start attempt $attempt failed; last log lines:"
    tail -n 5 "$dir"/log/*.log "$dir"/log/*.out 2>/dev/null | sed 's/^/  /' >&2 || true
    [[ $attempt -lt 3 ]] || die "could not start Ceph in $dir (CHUNKER_RGW_KEEP=1 keeps the logs)"
    CHUNKER_RGW_KEEP=1 cmd_stop "$dir" 2>/dev/null || true   # a port may have been taken meanwhile: retry
    find "$dir" -mindepth 1 -delete
  done
  port=$(cat "$dir/rgw.port")

  ak=$(od -An -N10 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)   # 20 characters, like AWS's
  sk=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')                # 40
  radosgw-admin -c "$dir/ceph.conf" user create --uid=chunker --display-name=chunker \
    --access-key="$ak" --secret="$sk" >> "$dir/log/mkfs.out" 2>&1 || die "radosgw-admin user create failed (see $dir/log/mkfs.out)"
  bucket=${CHUNKER_S3_BUCKET:-chunker-test}
  code=$(curl -s -o "$dir/log/bucket.out" -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$ak:$sk" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "http://127.0.0.1:$port/$bucket")
  [[ $code == 200 ]] || die "creating bucket $bucket: HTTP $code $(cat "$dir/log/bucket.out")"
  phase user+bucket
  t1=$(date +%s%N)

  cat > "$dir/env" <<EOF
export AWS_ACCESS_KEY_ID=$ak
export AWS_SECRET_ACCESS_KEY=$sk
export CHUNKER_S3_ENDPOINT=http://127.0.0.1:$port
export CHUNKER_S3_BUCKET=$bucket
export CHUNKER_S3_URL='s3://$bucket?endpoint=http://127.0.0.1:$port&region=us-east-1'
export CHUNKER_RGW_DIR=$dir
EOF
  say "S3 ready at http://127.0.0.1:$port (bucket $bucket) in $(( (t1 - t0) / 1000000 )) ms (${phases%, }); cluster in $dir"
  trap - EXIT
  cat "$dir/env"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  env) shift; cmd_env "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) echo "usage: $0 start|stop|env|status [DIR]" >&2; exit 2 ;;
esac

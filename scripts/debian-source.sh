#!/usr/bin/env bash
# Fetches and unpacks a Debian source package into the cache, with its own apt
# configuration (the system's sources.list, lists and apt cache are not touched,
# so it works without root and does not race the system's apt-get):
#
#   scripts/debian-source.sh SUITE PKG     # prints the unpacked source directory
#   scripts/debian-source.sh trixie libzstd   -> $CHUNKER_CACHE/debsrc/trixie/libzstd-1.5.7+dfsg/
#
# SUITE is a Debian suite name (bookworm, trixie, ...); bookworm also gets the
# -updates and -security pockets, so the newest source is the one apt would use.
# The mirror host is the one the system's own sources use (deb.debian.org if none).
#
# Cache: $CHUNKER_CACHE/debsrc/SUITE/PKG-VERSION/ (marked complete), and
# $CHUNKER_CACHE/debsrc/SUITE/PKG.current naming the version last fetched. When
# that is present apt is not asked at all (a cached build must not depend on
# the network); CHUNKER_REFRESH_SOURCES=1 asks for the newest version again.
# Downloads are retried with backoff before giving up.
set -euo pipefail
suite=${1:?usage: debian-source.sh SUITE PKG}
pkg=${2:?usage: debian-source.sh SUITE PKG}
CACHE=${CHUNKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chunker}
base=$CACHE/debsrc/$suite
mkdir -p "$base"
log() { echo "debian-source: $*" >&2; }

if [[ -z ${CHUNKER_REFRESH_SOURCES:-} && -f $base/$pkg.current ]]; then
  v=$(cat "$base/$pkg.current")
  if [[ -f $base/$pkg-$v/.complete ]]; then
    echo "$base/$pkg-$v"
    exit 0
  fi
fi

# Private apt configuration for this suite.
apt=$CACHE/apt/$suite
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts"
host=$(grep -rhoE 'https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
  | grep -v security | head -1 | tr -d ' ' | sed 's:/$::' || true)
host=${host:-http://deb.debian.org/debian}
{
  echo "deb-src $host $suite main"
  if [[ $suite == bookworm ]]; then
    echo "deb-src $host $suite-updates main"
    echo "deb-src ${host%/debian}/debian-security $suite-security main"
  fi
} > "$apt/sources.list"
APT=(-o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts="$apt/parts"
     -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache"
     -o APT::Sandbox::User=root -o Acquire::Retries=3)

# One fetch per suite at a time (parallel callers share the private lists).
exec 9>"$apt/.lock"
flock 9

# retry N CMD...: runs CMD until it succeeds, N tries, backing off 5, 10, 20 s.
retry() {
  local n=$1 i delay=5; shift
  for ((i = 1; ; i++)); do
    "$@" && return 0
    ((i >= n)) && return 1
    log "'$*' failed (try $i of $n); retrying in ${delay}s"
    sleep "$delay"; delay=$((delay * 2))
  done
}

# Lists older than a day are refreshed; fresh ones are reused.
if [[ -z $(find "$apt/lists" -name '*Sources*' -mmin -1440 2>/dev/null | head -1) || -n ${CHUNKER_REFRESH_SOURCES:-} ]]; then
  retry 4 apt-get "${APT[@]}" -qq update >&2 || { log "cannot read the $suite source index from $host"; exit 1; }
fi
versions=$(apt-cache "${APT[@]}" showsrc --only-source "$pkg" 2>/dev/null | awk '/^Version:/{print $2}' | sort -Vr | uniq)
[[ -n $versions ]] || { log "no source package $pkg in $suite"; exit 1; }
v=${versions%%$'\n'*}
out=$base/$pkg-$v
if [[ ! -f $out/.complete ]]; then
  work=$base/.work-$pkg-$$
  rm -rf "$work"; mkdir -p "$work"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && retry 4 apt-get "${APT[@]}" -qq source --download-only "$pkg=$v" >&2) \
    || { log "$pkg $v is listed in $suite but could not be downloaded"; exit 1; }
  (cd "$work" && dpkg-source --no-check -x ./*.dsc src >/dev/null)
  rm -rf "$out"
  mv "$work/src" "$out"
  touch "$out/.complete"
fi
echo "$v" > "$base/$pkg.current.tmp" && mv "$base/$pkg.current.tmp" "$base/$pkg.current"
echo "$out"

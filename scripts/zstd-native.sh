#!/usr/bin/env bash
# Builds a static, position-independent, multithreaded libzstd from the newest
# zstd source Debian publishes (trixie: 1.5.7) into the cache, for the native
# build and tests. Debian 12's libzstd 1.5.4 accepts corrupt frames that
# 1.5.6+ rejects and refuses a legal one (zstd's tests/golden-decompression*),
# see docs/codecs.md. Only libzstd.a is installed, so linking picks it over the
# system's shared library.
#
#   eval "$(bash scripts/zstd-native.sh env)"   # exports PKG_CONFIG_PATH (CMake's pkg_check_modules reads
#                                               # it) and PATH (that version's zstd program first)
#   bash scripts/zstd-native.sh                 # prints the prefix (bin/zstd: that version's program)
#
# Cache: $CHUNKER_CACHE/native-zstd/<version>-<arch>-<recipe>/ (complete when
# .complete exists). A present build is used without asking apt.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CHUNKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chunker}
CC=${CC:-cc}
recipe() {
  nice make -C "$1/lib" -j"${JOBS:-2}" libzstd.a-mt ZSTD_LEGACY_SUPPORT=0 CFLAGS="-O3 -fPIC -g0" >/dev/null
  make -C "$1/lib" install-static install-includes install-pc PREFIX="$2" LIBDIR="$2/lib" ZSTD_LEGACY_SUPPORT=0 \
    CFLAGS="-O3 -fPIC -g0" >/dev/null
  # The same version's `zstd` program: the reference for zstd's own test sets
  # (scripts/ci/55-corpora.sh); not on PATH.
  nice make -C "$1/programs" -j"${JOBS:-2}" zstd-release HAVE_ZLIB=0 HAVE_LZMA=0 HAVE_LZ4=0 >/dev/null
  install -D -m755 "$1/programs/zstd" "$2/bin/zstd"
}
src=$(bash "$ROOT/scripts/debian-source.sh" trixie libzstd)
ver=$(basename "$src")
key=$( { declare -f recipe; "$CC" -dumpmachine; } | sha256sum | cut -c1-12)
out=$CACHE/native-zstd/$ver-$("$CC" -dumpmachine)-$key
if [[ ! -f $out/.complete ]]; then
  echo "zstd-native: building $ver into $out" >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp -r "$src/." "$work/"
  rm -rf "$out"
  recipe "$work" "$out" >&2
  # zstd's .pc lists the thread flags as private; static linking needs them.
  sed -i 's/^Libs: \(.*\)$/Libs: \1 -pthread/' "$out/lib/pkgconfig/libzstd.pc"
  [[ -f $out/lib/libzstd.a && -f $out/include/zstd.h && -x $out/bin/zstd ]] || { echo "zstd-native: build failed" >&2; exit 1; }
  touch "$out/.complete"
fi
if [[ ${1:-} == env ]]; then
  # The tests compare bytes with the `zstd` program: the same version as the library.
  echo "export PKG_CONFIG_PATH=$out/lib/pkgconfig\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH} PATH=$out/bin:\$PATH"
else
  echo "$out"
fi

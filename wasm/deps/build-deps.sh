#!/usr/bin/env bash
# Builds zstd, lz4, liblzma, bzip2 and libsodium as wasm static libraries from
# their Debian source packages, for both package variants:
#   mt  -O3 -msimd128 -pthread   (threads variant)
#   st  -O3 -msimd128            (single-thread variant)
# "Plain emcc" method (one emcc -c per file, -P2, then emar): no configure runs,
# ~1 min per variant. See /work/shared/docs/wasm-toolchain-notes.md §1.
#
# Output: $CHUNKER_CACHE/wasm-deps/<key>/{mt,st}/{include,lib}, where <key>
# hashes the Debian source versions, the emcc version and the build recipe. A
# present, complete key directory is reused. Prints the variant root's parent
# directory on the last line of stdout (also written to build/wasm-deps.path).
set -euo pipefail
# compile <objdir> <flags> <files...>: one emcc per file, $JOBS in parallel.
compile() {
  local od=$1 flags=$2; shift 2
  mkdir -p "$od"
  printf '%s\n' "$@" | xargs -P"$JOBS" -I{} sh -c 'emcc '"$flags"' -c "$1" -o "'"$od"'/$(basename "$1" .c).o"' _ {}
}
archive() { rm -f "$2"; emar rcs "$2" "$1"/*.o; }

build_variant() {
  local v=$1 base=$2 mt=$3
  local D=$OUT.tmp/$v L=$OUT.tmp/$v/lib I=$OUT.tmp/$v/include O=$WORK/obj-$v
  mkdir -p "$L" "$I"

  # zstd: lib only; XXH_NAMESPACE avoids clashing with lz4's xxhash.
  local zf="$base -DXXH_NAMESPACE=ZSTD_ -DZSTD_DISABLE_ASM -DZSTD_LEGACY_SUPPORT=0 -I$ZSTD/lib -I$ZSTD/lib/common"
  [[ $mt == 1 ]] && zf+=" -DZSTD_MULTITHREAD"
  compile "$O/zstd" "$zf" "$ZSTD"/lib/{common,compress,decompress,dictBuilder}/*.c
  archive "$O/zstd" "$L/libzstd.a"
  cp "$ZSTD"/lib/{zstd.h,zstd_errors.h,zdict.h} "$I/"

  compile "$O/lz4" "$base -DXXH_NAMESPACE=LZ4_" "$LZ4"/lib/{lz4,lz4hc,lz4frame,xxhash,lz4file}.c
  archive "$O/lz4" "$L/liblz4.a"
  cp "$LZ4"/lib/{lz4.h,lz4hc.h,lz4frame.h,lz4frame_static.h} "$I/"

  compile "$O/bz2" "$base -D_FILE_OFFSET_BITS=64" \
    "$BZ"/{blocksort,huffman,crctable,randtable,compress,decompress,bzlib}.c
  archive "$O/bz2" "$L/libbz2.a"
  cp "$BZ/bzlib.h" "$I/"

  # liblzma: the defines the upstream CMake build passes, instead of a
  # configure-generated config.h. ST leaves out the threaded coders.
  local xs=$XZ/src/liblzma
  local xf="$base -std=gnu99 -D_GNU_SOURCE -DTUKLIB_SYMBOL_PREFIX=lzma_ -DHAVE_VISIBILITY=0"
  xf+=" -DHAVE_STDBOOL_H -DHAVE__BOOL -DHAVE_STDINT_H -DHAVE_INTTYPES_H -DHAVE_DECODERS -DHAVE_ENCODERS"
  xf+=" -DHAVE_CHECK_CRC32 -DHAVE_CHECK_CRC64 -DHAVE_CHECK_SHA256 -DHAVE_LZIP_DECODER"
  for c in ARM ARMTHUMB ARM64 DELTA IA64 LZMA1 LZMA2 POWERPC SPARC X86; do
    xf+=" -DHAVE_DECODER_$c -DHAVE_ENCODER_$c"
  done
  xf+=" -DHAVE_MF_BT2 -DHAVE_MF_BT3 -DHAVE_MF_BT4 -DHAVE_MF_HC3 -DHAVE_MF_HC4"
  xf+=" -DTUKLIB_CPUCORES_SYSCONF -DTUKLIB_PHYSMEM_SYSCONF -DHAVE_CLOCK_GETTIME -DHAVE_CLOCK_MONOTONIC"
  [[ $mt == 1 ]] && xf+=" -DMYTHREAD_POSIX -DHAVE_PTHREAD_CONDATTR_SETCLOCK"
  xf+=" -I$xs/api -I$xs/common -I$xs/check -I$xs/lz -I$xs/rangecoder -I$xs/lzma -I$xs/delta -I$xs/simple -I$XZ/src/common"
  local xfiles=()
  mapfile -t xfiles < <(ls "$xs"/{check,common,delta,lz,lzma,rangecoder,simple}/*.c "$XZ"/src/common/tuklib_{cpucores,physmem}.c \
    | grep -Ev '/(crc32_small|crc64_small|crc32_tablegen|crc64_tablegen|fastpos_tablegen|price_tablegen)\.c$')
  if [[ $mt != 1 ]]; then
    mapfile -t xfiles < <(printf '%s\n' "${xfiles[@]}" | grep -Ev '/(outqueue|stream_encoder_mt|stream_decoder_mt|hardware_cputhreads)\.c$')
  fi
  compile "$O/lzma" "$xf" "${xfiles[@]}"
  archive "$O/lzma" "$L/liblzma.a"
  cp -r "$xs"/api/lzma.h "$xs"/api/lzma "$I/"

  # libsodium: the notes' define set; version.h generated from its template.
  local nv=$O/sodium-gen/sodium
  mkdir -p "$nv"
  sed -e 's/@VERSION@/1.0.18/' -e 's/@SODIUM_LIBRARY_VERSION_MAJOR@/10/' \
      -e 's/@SODIUM_LIBRARY_VERSION_MINOR@/3/' -e 's/@SODIUM_LIBRARY_MINIMAL_DEF@//' \
      "$NA/src/libsodium/include/sodium/version.h.in" > "$nv/version.h"
  local nf="$base -fvisibility=hidden -fno-strict-aliasing -fno-strict-overflow -DCONFIGURED=1"
  nf+=" -DNATIVE_LITTLE_ENDIAN=1 -DHAVE_INLINE_ASM=1 -DHAVE_ATOMIC_OPS=1 -DHAVE_ALLOCA_H=1 -DHAVE_ALLOCA=1"
  nf+=" -DHAVE_POSIX_MEMALIGN=1 -DHAVE_SYS_MMAN_H=1 -DHAVE_GETPID=1 -DHAVE_NANOSLEEP=1"
  [[ $mt == 1 ]] && nf+=" -DHAVE_PTHREAD=1"
  nf+=" -I$O/sodium-gen -I$O/sodium-gen/sodium -I$NA/src/libsodium/include -I$NA/src/libsodium/include/sodium"
  local nfiles=()
  mapfile -t nfiles < <(find "$NA/src/libsodium" -name '*.c' | sort | grep -Ev \
    'aesni|avx2|avx512|ssse3|sse41|sse2|_sse\.c|sandy2x|fe51_invert|xmm6|randombytes_internal_random|randombytes_sysrandom')
  compile "$O/sodium" "$nf" "${nfiles[@]}"
  archive "$O/sodium" "$L/libsodium.a"
  cp -r "$NA"/src/libsodium/include/sodium.h "$NA"/src/libsodium/include/sodium "$I/"
  cp "$nv/version.h" "$I/sodium/version.h"
  rm -f "$I/sodium/version.h.in"
}

main() {
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${CHUNKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chunker}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}   # emcc needs acorn from Debian's node path
JOBS=${JOBS:-2}
SRCPKGS=(libzstd lz4 xz-utils bzip2 libsodium)

SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo

# deb-src must be enabled for apt-get source (idempotent).
# The newest version, as apt-get source picks it (security updates included).
src_version() { apt-cache showsrc --only-source "$1" 2>/dev/null | awk '/^Version:/{print $2}' | sort -V | tail -1; }
# apt lists can be briefly missing while another apt-get update runs: retry.
for try in 1 2 3; do
  [[ -n "$(src_version libzstd)" ]] && break
  f=/etc/apt/sources.list.d/debian.sources
  if [[ -f $f ]] && ! grep -q 'deb-src' "$f"; then
    $SUDO sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
  fi
  $SUDO apt-get update -qq || sleep 15
done

versions=""
for p in "${SRCPKGS[@]}"; do
  v=$(src_version "$p"); [[ -n "$v" ]] || { echo "build-deps: no source package $p (deb-src?)" >&2; exit 1; }
  versions+="$p=$v;"
done
emver=$(emcc --version 2>/dev/null | head -1)
# Key: source versions, emcc, and the build recipe (the functions below, as
# bash prints them: comments and lookup logic do not invalidate the cache).
key=$( { printf '%s\n%s\n' "$versions" "$emver"; declare -f compile archive build_variant; } | sha256sum | cut -c1-16)
OUT=$CACHE/wasm-deps/$key
mkdir -p "$ROOT/build"

if [[ -f $OUT/.complete ]]; then
  echo "build-deps: cached $OUT ($versions)" >&2
  echo "$OUT" > "$ROOT/build/wasm-deps.path"
  echo "$OUT"; exit 0
fi

echo "build-deps: building $OUT ($versions $emver)" >&2
WORK=$CACHE/wasm-deps/work-$key
rm -rf "$WORK"; mkdir -p "$WORK/src"
# Fetch each source package at the newest version the mirror actually serves:
# an index can list a version (often a security update) whose files are not
# (yet) on the mirror, so fall back through the listed versions, newest first.
fetch_source() {
  local p=$1 v
  for v in $(apt-cache showsrc --only-source "$p" | awk '/^Version:/{print $2}' | sort -Vr | uniq); do
    for try in 1 2; do
      if apt-get source --download-only "$p=$v" >/dev/null 2>&1; then echo "$v"; return 0; fi
    done
    echo "build-deps: $p $v is listed but could not be downloaded; trying an older version" >&2
  done
  echo "build-deps: no downloadable source for $p" >&2
  apt-get source --download-only "$p" >&2 || true
  return 1
}
fetched=""
cd "$WORK/src"
for p in "${SRCPKGS[@]}"; do v=$(fetch_source "$p"); fetched+="$p=$v;"; done
for d in *.dsc; do dpkg-source --no-check -x "$d" >/dev/null; done
cd "$ROOT"
if [[ $fetched != "$versions" ]]; then
  # Build under the key of what was fetched; the newest-listed key becomes an
  # alias to it (below) so later runs hit the cache without downloading again.
  alias_out=$OUT
  versions=$fetched
  key=$( { printf '%s\n%s\n' "$versions" "$emver"; declare -f compile archive build_variant; } | sha256sum | cut -c1-16)
  OUT=$CACHE/wasm-deps/$key
  if [[ -f $OUT/.complete ]]; then
    rm -rf "$alias_out" "$WORK"; ln -s "$OUT" "$alias_out"
    echo "$OUT" > "$ROOT/build/wasm-deps.path"
    echo "$OUT"; return 0
  fi
  echo "build-deps: building $OUT ($versions)" >&2
fi
S=$WORK/src
ZSTD=$(echo "$S"/libzstd-*/); LZ4=$(echo "$S"/lz4-*/); XZ=$(echo "$S"/xz-utils-*/)
BZ=$(echo "$S"/bzip2-*/); NA=$(echo "$S"/libsodium-*/)

rm -rf "$OUT.tmp"
start=$(date +%s)
build_variant mt "-O3 -msimd128 -pthread" 1
echo "build-deps: mt done in $(( $(date +%s) - start ))s" >&2
build_variant st "-O3 -msimd128" 0
echo "build-deps: st done in $(( $(date +%s) - start ))s" >&2
printf '%s\n' "$versions" "$emver" > "$OUT.tmp/VERSIONS"
touch "$OUT.tmp/.complete"
rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
rm -rf "$WORK"
if [[ -n ${alias_out:-} ]]; then rm -rf "$alias_out"; ln -s "$OUT" "$alias_out"; fi
echo "$OUT" > "$ROOT/build/wasm-deps.path"
echo "$OUT"
}
main "$@"

#!/usr/bin/env bash
# Builds zstd, lz4, liblzma, bzip2 and libsodium as wasm static libraries from
# their Debian source packages, for both package variants:
#   mt  -O3 -msimd128 -pthread   (threads variant)
#   st  -O3 -msimd128            (single-thread variant)
# "Plain emcc" method (one emcc -c per file, -P2, then emar): no configure runs,
# ~1 min per variant. See /work/shared/docs/wasm-toolchain-notes.md §1.
# Sources: scripts/debian-source.sh (zstd from trixie, the rest from bookworm).
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

  # lz4 (and its XXH32) without clang's loop and SLP vectorisers: in wasm
  # simd128 their vector code for the decoder's copy loops and XXH32's rounds
  # is slower in V8 than the scalar code (frame decompression with the content
  # checksum is faster in Node without them; docs/benchmarks-wasm.md).
  compile "$O/lz4" "$base -fno-vectorize -fno-slp-vectorize -DXXH_NAMESPACE=LZ4_" "$LZ4"/lib/{lz4,lz4hc,lz4frame,xxhash,lz4file}.c
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

# Sources via scripts/debian-source.sh (own apt configuration, cached by
# version, retried downloads): zstd from the newest Debian release that has it
# (trixie: 1.5.7; bookworm's 1.5.4 accepts corrupt frames, docs/codecs.md),
# the others from bookworm, like the native build's libraries. With the
# sources cached, nothing here asks apt anything.
src() { bash "$ROOT/scripts/debian-source.sh" "$@"; }
ZSTD=$(src trixie libzstd)/ LZ4=$(src bookworm lz4)/ XZ=$(src bookworm xz-utils)/
BZ=$(src bookworm bzip2)/ NA=$(src bookworm libsodium)/
versions=""
for d in "$ZSTD" "$LZ4" "$XZ" "$BZ" "$NA"; do versions+="$(basename "$d");"; done
emver=$(emcc --version 2>/dev/null | sed -n 1p)  # sed reads to the end: no SIGPIPE under pipefail
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
rm -rf "$WORK" "$OUT.tmp"; mkdir -p "$WORK"
start=$(date +%s)
build_variant mt "-O3 -msimd128 -pthread" 1
echo "build-deps: mt done in $(( $(date +%s) - start ))s" >&2
build_variant st "-O3 -msimd128" 0
echo "build-deps: st done in $(( $(date +%s) - start ))s" >&2
printf '%s\n' "$versions" "$emver" > "$OUT.tmp/VERSIONS"
touch "$OUT.tmp/.complete"
rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
rm -rf "$WORK"
echo "$OUT" > "$ROOT/build/wasm-deps.path"
echo "$OUT"
}
main "$@"

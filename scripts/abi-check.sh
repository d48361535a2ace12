#!/usr/bin/env bash
# ABI check of the C interface (native/include/chunker.h) against the dump of
# the first release, with Debian's abi-dumper and abi-compliance-checker:
#   bash scripts/abi-check.sh            # fails if the C ABI broke compatibility
#   bash scripts/abi-check.sh --update   # rewrites the baseline (a new release)
#
# What is dumped: the C ABI objects (native/capi/*.cpp) compiled with debug
# info into a shared object of the library's SONAME, exporting only what
# chunker.h declares (-fvisibility=hidden; CHUNKER_API marks the functions).
# The C ABI's types and signatures are all in those objects' DWARF, and
# compiling 6 files costs seconds where a debug build of the whole library
# would cost minutes; -public-headers keeps only chunker.h's declarations.
# Optimised (-O2), so that abi-dumper leaves out the registers and stack
# offsets where the implementation keeps each parameter: at -Og those come from
# register allocation inside the function (they change with any edit of its
# body) and the checker reported them as broken calling conventions. The
# calling convention itself follows from the signatures, which are compared.
set -euo pipefail
root=${CHUNKER_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
baseline=abi/chunker-c-0.1.0.dump
out=build/abi
version=$(sed -nE 's/^project\(chunker VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)
major=${version%%.*}
for tool in abi-dumper abi-compliance-checker; do
  command -v $tool >/dev/null || { echo "$tool is not installed (scripts/apt-packages.txt)"; exit 1; }
done
cxx=${CXX:-g++}
rm -rf "$out"
mkdir -p "$out/obj" "$out/headers"
cp native/include/chunker.h "$out/headers/"
objs=()
for src in native/capi/*.cpp; do
  obj=$out/obj/$(basename "$src" .cpp).o
  "$cxx" -std=c++20 -g -O2 -fPIC -fvisibility=hidden -fvisibility-inlines-hidden -DNDEBUG \
    -DCHUNKER_HAVE_CODECS=1 -DCHUNKER_HAVE_NIX=1 "-DCHUNKER_VERSION=\"$version\"" \
    -Icore/include -Inative/include -Icore/src -c "$src" -o "$obj" &
  objs+=("$obj")
done
wait
# The rest of the library is not linked: a shared object may leave symbols undefined.
"$cxx" -shared -o "$out/libchunker.so.$major" -Wl,-soname,libchunker.so.$major "${objs[@]}"
abi-dumper "$out/libchunker.so.$major" -o "$out/chunker-c.dump" -lver "$version" \
  -public-headers "$out/headers" -quiet
if [[ ${1:-} == --update ]]; then
  mkdir -p abi
  cp "$out/chunker-c.dump" "$baseline"
  echo "baseline written: $baseline"
  exit 0
fi
# The handle structs are opaque in chunker.h (callers only hold pointers): their
# members are the implementation's to change.
printf '%s\n' chunker_stream chunker_blake3 chunker_sha256 chunker_compressor chunker_decompressor \
  > "$out/opaque-types.txt"
# Exit status 0: compatible; 1: incompatible (the report says why); other: tool error.
if abi-compliance-checker -l chunker -old "$baseline" -new "$out/chunker-c.dump" \
    -skip-types "$out/opaque-types.txt" -report-path "$out/report.html" -quiet; then
  echo "C ABI compatible with $baseline ($out/report.html)"
else
  rc=$?
  echo "C ABI check FAILED (exit $rc) against $baseline: see $out/report.html"
  sed -e 's/<[^>]*>/ /g' "$out/report.html" | tr -s ' \n' | grep -iE 'problem|removed|changed' | head -20 || true
  exit 1
fi

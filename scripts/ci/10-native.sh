#!/usr/bin/env bash
# Release build (the preset users run) + the GoogleTest suite + the installed-package example.
set -euo pipefail
cd "$CHUNKER_ROOT"
# libzstd 1.5.7 from Debian trixie's source (docs/codecs.md); -U: re-read it if the build dir predates it.
eval "$(bash scripts/zstd-native.sh env)"
cmake --preset release -U __pkg_config_checked_ZSTD >/dev/null
cmake --build --preset release
# S3Rgw.* need a Ceph RGW: stage 70-s3 starts one and runs them.
ctest --preset release -E '^S3Rgw'
# examples/native builds against the *installed* package (CMake package and pkg-config).
prefix=$(mktemp -d)
cmake --install build/native --prefix "$prefix" >/dev/null
cmake -S examples/native -B "$prefix/example-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/example-build" -j2 >/dev/null
"$prefix/example-build/chunk_file" tests/data/SekienAkashita.jpg > "$prefix/out.txt"
head -3 "$prefix/out.txt"
grep -q "invalid params -> ERR_INVALID_ARGUMENT: min_size must be between 64" "$prefix/out.txt"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" c++ -std=c++20 examples/native/chunk_file.cpp \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs --static chunker) -o "$prefix/chunk_file_pc"
# pkg-config links the shared library.
LD_LIBRARY_PATH="$prefix/lib" "$prefix/chunk_file_pc" tests/data/SekienAkashita.jpg > "$prefix/out2.txt"
cmp "$prefix/out.txt" "$prefix/out2.txt"
# The C ABI from C (examples/c): CMake package (shared library) and pkg-config (chunker-c).
cmake -S examples/c -B "$prefix/example-c-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/example-c-build" -j2 >/dev/null
"$prefix/example-c-build/chunk_file_c" tests/data/SekienAkashita.jpg > "$prefix/c-out.txt"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cc -std=c99 -Wall -Wextra -pedantic -Werror examples/c/chunk_file.c \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs chunker-c) -o "$prefix/chunk_file_c_pc"
LD_LIBRARY_PATH="$prefix/lib" "$prefix/chunk_file_c_pc" tests/data/SekienAkashita.jpg > "$prefix/c-out2.txt"
cmp "$prefix/c-out.txt" "$prefix/c-out2.txt"
# fastcdc-rs's cut points for 4K/16K/64K, and b3sum's digest of the whole file.
cut -d' ' -f1,2 "$prefix/c-out.txt" | head -5 | tr '\n' ' ' | grep -qx "0 21325 21325 17140 38465 28084 66549 18217 84766 24700 "
grep -q "^5 chunks, file blake3 $(b3sum --no-names tests/data/SekienAkashita.jpg)$" "$prefix/c-out.txt"
echo "installed package: CMake (static) and pkg-config (shared) consumers work, C ABI from C (CMake and pkg-config)"
rm -rf "$prefix"

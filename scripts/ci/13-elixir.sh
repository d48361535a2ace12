#!/usr/bin/env bash
# The Elixir NIF example (examples/elixir) on the C ABI (chunker.h): the NIF
# linked statically against build/native's libchunker.a and its ExUnit suite
# (mix test: fastcdc-rs vectors, :crypto, b3sum, the codecs' programs,
# nix-hash / nix-store), then the NIF linked against an installed package
# (pkg-config, shared library) running the chunking tests again.
# Offline: no Hex packages (Debian's elixir and erlang-dev only); mix's build
# directory is examples/elixir/_build (gitignored) or a temporary directory.
set -euo pipefail
cd "$CHUNKER_ROOT"
eval "$(bash scripts/zstd-native.sh env)"
# A no-op after stage 10; alone, this configures the tree and builds the libraries only.
cmake --preset release -U __pkg_config_checked_ZSTD >/dev/null
cmake --build --preset release --target chunker_static chunker_shared
export MIX_ENV=test
cd examples/elixir
mix test --no-deps-check
echo "--- the NIF against an installed package (CHUNKER_PREFIX, pkg-config, libchunker.so)"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$CHUNKER_ROOT/build/native" --prefix "$prefix" >/dev/null
CHUNKER_PREFIX=$prefix MIX_BUILD_PATH=$prefix/_build mix test --no-deps-check test/chunk_test.exs
# The NIF must load libchunker from the prefix (rpath), not from anywhere else.
ldd "$prefix/_build/lib/chunker/priv/chunker_nif.so" | grep -q "$prefix/lib/libchunker.so"

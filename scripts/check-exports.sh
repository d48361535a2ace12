#!/usr/bin/env bash
# The shared library's dynamic symbol table holds the C ABI (every function of
# chunker.h) and the C++ API (namespace chunker) and nothing else: no internal
# namespaces, no std:: instances, no symbols of the statically linked codec
# libraries. Also checks the versioned SONAME.
#   scripts/check-exports.sh build/native/libchunker.so native/include/chunker.h
set -euo pipefail
lib=${1:?usage: check-exports.sh LIB HEADER}
header=${2:?usage: check-exports.sh LIB HEADER}
status=0

soname=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
if [[ ! $soname =~ ^libchunker\.so\.[0-9]+$ ]]; then
  echo "SONAME is '$soname', expected libchunker.so.<major>"
  status=1
fi

exported=$(nm -D --defined-only "$lib" | awk 'NF == 3 {print $3}' | sed 's/@.*//' | sort -u)
declared=$(grep -oE '\bchunker_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u)

# C symbols: exactly the header's functions.
missing=$(comm -13 <(grep '^chunker_' <<<"$exported") <(echo "$declared"))
extra_c=$(comm -23 <(grep '^chunker_' <<<"$exported") <(echo "$declared"))
if [[ -n $missing ]]; then
  echo "declared in $(basename "$header") but not exported:"; sed 's/^/  /' <<<"$missing"; status=1
fi
if [[ -n $extra_c ]]; then
  echo "exported C symbols not in $(basename "$header"):"; sed 's/^/  /' <<<"$extra_c"; status=1
fi

# Everything else must be the C++ API: qualified names in namespace chunker,
# outside the internal ones.
bad=$(grep -v '^chunker_' <<<"$exported" | c++filt | sed 's/(.*//' |
  grep -vE '^((typeinfo|typeinfo name|vtable|VTT|guard variable|construction vtable|(non-)?virtual thunk) (for|to) )?chunker::' || true)
# chunker::store: only the Store class and the functions store.hpp declares
# (names in that namespace; template instances that merely mention its types
# are not the store's own symbols).
internal=$(grep -v '^chunker_' <<<"$exported" | c++filt | sed 's/(.*//' |
  grep -E 'detail::|chunker::s3::|chunker::capi::|chunker::store::le::|^((typeinfo|typeinfo name|vtable|VTT|guard variable) for )?chunker::store::' |
  grep -vE '^((typeinfo|typeinfo name|vtable|VTT|guard variable) for )?chunker::store::(Store(::.*)?|validate_name|normalize_name(\[abi:cxx11\])?|s3_request_stats(\[abi:cxx11\])?)$' || true)
if [[ -n $bad ]]; then
  echo "exported symbols outside the C ABI and namespace chunker:"; sed 's/^/  /' <<<"$bad" | head -50; status=1
fi
if [[ -n $internal ]]; then
  echo "exported internal symbols:"; sed 's/^/  /' <<<"$internal" | head -50; status=1
fi
n_c=$(grep -c '^chunker_' <<<"$exported" || true)
n_all=$(wc -l <<<"$exported")
if [[ $status == 0 ]]; then
  echo "$lib ($soname): $n_c C functions (all of $(basename "$header")), $((n_all - n_c)) C++ symbols in namespace chunker, nothing else"
fi
exit $status

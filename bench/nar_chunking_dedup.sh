#!/usr/bin/env bash
# NAR-aware vs plain FastCDC dedup on two versions of a realistic tree.
#
#   bash bench/nar_chunking_dedup.sh [BUILD_DIR] [SOURCE_DIR]
#
# SOURCE_DIR (default /usr/lib/python3.11, the Python standard library with
# its __pycache__ files, ~1400 files / 58 MB) is copied as "old". Two "new"
# versions are derived from it deterministically:
#   few:  8 files edited in the middle (a line inserted), 2 files added, 1 removed
#   many: 5% of the files edited (a line inserted near the top)
# and bench_nar_chunking reports the bytes of each new NAR already present
# as chunks of the old one, for plain FastCDC and for NAR-aware chunking.
set -euo pipefail
build=${1:-build/native}
src=${2:-/usr/lib/python3.11}
bench="$build/bench/bench_nar_chunking"
[[ -x "$bench" ]] || { echo "build $bench first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a "$src" "$work/old"
find "$work/old" -type l -delete   # keep the trees self-contained
cp -a "$work/old" "$work/few"
cp -a "$work/old" "$work/many"

python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
def files(root, suffix=""):
    out = []
    for d, _, fs in os.walk(root):
        out += [os.path.join(d, f) for f in fs if f.endswith(suffix)]
    return sorted(out)
def insert_line(path, frac, text):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    at = int(len(lines) * frac)
    lines.insert(at, text)
    with open(path, "wb") as f:
        f.write(b"\n".join(lines))
few = files(os.path.join(work, "few"))
for p in few[:: max(1, len(few) // 8)][:8]:
    insert_line(p, 0.5, b"# patched in the new version")
with open(os.path.join(work, "few", "new_module.py"), "w") as f:
    f.write("def added():\n    return 42\n" * 50)
with open(os.path.join(work, "few", "CHANGES.txt"), "w") as f:
    f.write("new release\n")
os.remove(few[len(few) // 3])
many = files(os.path.join(work, "many"))
for p in many[:: 20]:
    insert_line(p, 0.1, b"# version 1.0.1")
PY

for v in few many; do
  echo "=== $v: $(diff -rq "$work/old" "$work/$v" | wc -l) differing paths ==="
  "$bench" "$work/old" "$work/$v" "${@:3}"
  echo
done

"""chunk + hash a file with the Python package (bench/python_vs_cli.sh runs it).

    python3 bench/python_chunk_file.py FILE [--threads N] [--hash blake3] [--via path|fileobj|stream]
                                       [--repeat N]

--via path: chunk_file(path); fileobj: chunk_file(open(path, "rb")) (the
descriptor path); stream: a file object without fileno(), read in 4 MiB slices
through the streaming API. Prints the chunk count; with --repeat N, the least
in-process seconds of N runs (interpreter start-up and import excluded).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import chunker  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "tests"))
from streams import NoFd  # noqa: E402



def run(args):
    kw = dict(hash=None if args.hash == "none" else args.hash, threads=args.threads, preset=args.preset)
    if args.via == "path":
        return sum(1 for _ in chunker.chunk_file(args.file, **kw))
    with open(args.file, "rb", buffering=0) as f:
        src = f if args.via == "fileobj" else NoFd(f)
        return sum(1 for _ in chunker.chunk_file(src, **kw))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--hash", default="blake3")
    p.add_argument("--preset", default="default")
    p.add_argument("--via", choices=["path", "fileobj", "stream"], default="path")
    p.add_argument("--repeat", type=int, default=0)
    args = p.parse_args()
    if not args.repeat:
        print(run(args))
        return
    best = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        run(args)
        t = time.perf_counter() - t
        best = t if best is None else min(best, t)
    print(f"{best:.6f}")


main()

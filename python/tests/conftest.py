"""Shared helpers for the Python package's tests.

The references are independent of the library: hashlib, the b3sum / zstd / xz /
lz4 / bzip2 / nix-hash programs, the published vectors in tests/data.
"""
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT / "python"))


def require_tools():
    """CI installs every reference program: a missing one fails there, never skips."""
    return os.environ.get("CHUNKER_REQUIRE_TOOLS") == "1" or os.environ.get("CI") == "true"


def need_program(name):
    path = shutil.which(name)
    if path is None:
        msg = f"{name} is not installed (scripts/apt-packages.txt)"
        if require_tools():
            pytest.fail(msg + " — required: CHUNKER_REQUIRE_TOOLS=1")
        pytest.skip(msg)
    return path


def run(args, input=b"", env=None):
    """Runs a reference program, returns its stdout; a non-zero status fails the test."""
    r = subprocess.run(args, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert r.returncode == 0, f"{args}: status {r.returncode}: {r.stderr.decode(errors='replace')}"
    return r.stdout


def random_bytes(n, seed):
    return random.Random(seed).randbytes(n)


def text_bytes(n, seed):
    """Compressible, text-like bytes (words from a small vocabulary)."""
    rng = random.Random(seed)
    words = [bytes(rng.choice(b"abcdefghij klmnop\n") for _ in range(rng.randint(1, 9))) for _ in range(300)]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words) + b" "
    return bytes(out[:n])


@pytest.fixture(scope="session")
def sekien():
    return (DATA / "SekienAkashita.jpg").read_bytes()

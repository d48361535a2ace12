"""BLAKE3 (all modes) and SHA-256 against the official BLAKE3 vectors, b3sum and
hashlib; hex and Nix base32 against fixtures printed by nix-hash."""
import hashlib
import json
import random

import pytest

import chunker
from conftest import DATA, need_program, random_bytes, run

B3 = json.loads((DATA / "blake3_test_vectors.json").read_text())
KEY = B3["key"].encode()
CONTEXT = B3["context_string"]


def vector_input(n):
    return bytes(i % 251 for i in range(n))


@pytest.mark.parametrize("case", B3["cases"], ids=lambda c: str(c["input_len"]))
def test_blake3_official_vectors(case):
    data = vector_input(case["input_len"])
    n = len(case["hash"]) // 2
    assert chunker.blake3(data, length=n).hex() == case["hash"]
    assert chunker.blake3(data).hex() == case["hash"][:64]
    assert chunker.blake3(data, key=KEY, length=n).hex() == case["keyed_hash"]
    assert chunker.blake3(data, derive_key_context=CONTEXT, length=n).hex() == case["derive_key"]
    assert chunker.blake3(data, derive_key_context=CONTEXT.encode(), length=n).hex() == case["derive_key"]
    # incremental, byte-granular splits, extended output and seek
    h = chunker.Blake3(key=KEY)
    rng = random.Random(case["input_len"])
    pos = 0
    while pos < len(data):
        step = rng.randint(1, 2000)
        h.update(data[pos:pos + step])
        pos += step
    assert h.digest(n).hex() == case["keyed_hash"]
    assert h.digest(n - 7, seek=7).hex() == case["keyed_hash"][14:]
    assert h.hexdigest() == case["keyed_hash"][:64]


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1025, 65536, 1 << 20, (3 << 20) + 17])
def test_blake3_vs_b3sum(size, tmp_path):
    need_program("b3sum")
    data = random_bytes(size, size)
    assert chunker.blake3(data).hex() == run(["b3sum", "--no-names"], data).decode().strip()
    assert chunker.blake3(data, length=100).hex() == run(["b3sum", "--no-names", "-l", "100"], data).decode().strip()
    f = tmp_path / "in"
    f.write_bytes(data)
    assert chunker.blake3(data, key=KEY).hex() == run(["b3sum", "--no-names", "--keyed", str(f)], KEY).decode().strip()
    assert chunker.blake3(data, derive_key_context="py test").hex() == \
        run(["b3sum", "--no-names", "--derive-key", "py test"], data).decode().strip()


def test_blake3_hasher_api():
    h = chunker.Blake3()
    assert h.name == "blake3" and h.digest_size == 32
    h.update(b"abc").update(bytearray(b"def"))  # update returns the hasher
    h.update(memoryview(b"ghi"))
    assert h.digest() == chunker.blake3(b"abcdefghi")
    h.reset()
    assert h.digest() == chunker.blake3(b"")
    c = chunker.Blake3(b"abc", threads=2)
    assert c.digest() == chunker.blake3(b"abc")
    big = random_bytes(3 << 20, 99)
    assert chunker.Blake3(big, threads=0).digest(40) == chunker.blake3(big, length=40, threads=2)
    assert chunker.blake3(big, threads=2) == chunker.blake3(big)
    c.close()
    with pytest.raises(ValueError):
        c.update(b"x")  # closed


@pytest.mark.parametrize("bad", [dict(key=b"short"), dict(key=KEY, derive_key_context="x"), dict(length=-1)])
def test_blake3_bad_arguments(bad):
    with pytest.raises(ValueError):
        chunker.blake3(b"x", **bad)


@pytest.mark.parametrize("size", [0, 3, 55, 56, 63, 64, 65, 1000, 1 << 20])
def test_sha256_vs_hashlib(size):
    data = random_bytes(size, size + 1)
    assert chunker.sha256(data) == hashlib.sha256(data).digest()
    h = chunker.Sha256()
    for i in range(0, size, 77):
        h.update(data[i:i + 77])
    assert h.digest() == hashlib.sha256(data).digest()
    assert h.hexdigest() == hashlib.sha256(data).hexdigest()


def test_type_errors():
    with pytest.raises(TypeError):
        chunker.blake3("text")
    with pytest.raises(TypeError):
        chunker.sha256(None)
    with pytest.raises(TypeError):
        chunker.Blake3().update(5)


def nix_fixtures():
    for line in (DATA / "nix-base32-vectors.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            yield line.split()


@pytest.mark.parametrize("hexd,b32", list(nix_fixtures()))
def test_nix_base32_fixtures(hexd, b32):
    raw = bytes.fromhex(hexd)
    assert chunker.nix_base32_encode(raw) == b32
    assert chunker.nix_base32_decode(b32) == raw
    assert chunker.hex_encode(raw) == hexd
    assert chunker.hex_decode(hexd.upper()) == raw


def test_nix_base32_round_trip_and_errors():
    for n in range(0, 70):
        raw = random_bytes(n, n)
        assert chunker.nix_base32_decode(chunker.nix_base32_encode(raw)) == raw
    with pytest.raises(chunker.ChunkerError) as e:
        chunker.nix_base32_decode("e" * 52)  # 'e' is not in Nix's alphabet
    assert e.value.code in ("ERR_INVALID_ARGUMENT", "ERR_CORRUPT_INPUT")
    with pytest.raises(chunker.ChunkerError):
        chunker.hex_decode("abc")  # odd length

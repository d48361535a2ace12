"""zstd / lz4 / xz / bzip2 through the C ABI, in both directions against the
codecs' own programs; output limits against decompression bombs; errors."""
import io
import random

import pytest

import chunker
from conftest import need_program, random_bytes, run, text_bytes

PROGRAMS = {"zstd": "zstd", "lz4": "lz4", "xz": "xz", "bzip2": "bzip2"}
LEVELS = {"zstd": [None, 1, 19, -5], "lz4": [None, 1, 9], "xz": [None, 0, 6], "bzip2": [None, 1, 9]}
INPUTS = {
    "empty": b"",
    "text": text_bytes(300000, 1),
    "random": random_bytes(100000, 2),
    "zeros": bytes(1 << 20),
}


@pytest.mark.parametrize("codec", list(PROGRAMS))
@pytest.mark.parametrize("name", list(INPUTS))
def test_ours_then_theirs(codec, name):
    prog = need_program(PROGRAMS[codec])
    data = INPUTS[name]
    for level in LEVELS[codec]:
        z = chunker.compress(data, codec=codec, level=level)
        assert run([prog, "-d", "-c"], z) == data, f"{codec} level {level}"
        assert chunker.decompress(z) == data


@pytest.mark.parametrize("codec", list(PROGRAMS))
@pytest.mark.parametrize("name", list(INPUTS))
def test_theirs_then_ours(codec, name):
    prog = need_program(PROGRAMS[codec])
    data = INPUTS[name]
    z = run([prog, "-c"], data)
    assert chunker.decompress(z) == data
    assert chunker.decompress(bytearray(z)) == data
    with chunker.Decompressor(codec=codec) as d:
        assert d.decompress(memoryview(z)) == data
        d.finish()


def test_concatenated_frames_of_different_codecs():
    parts = [text_bytes(5000 + i, i) for i in range(4)]
    z = b"".join(chunker.compress(p, codec=c) for p, c in zip(parts, PROGRAMS))
    assert chunker.decompress(z) == b"".join(parts)


def test_zstd_level_changes_output_and_same_bytes_as_program(tmp_path):
    prog = need_program("zstd")
    data = INPUTS["text"]
    # One-shot frames record the content size, as `zstd FILE` does (from stdin it cannot);
    # otherwise the same bytes: checksum on, same level, same library version.
    f = tmp_path / "in"
    f.write_bytes(data)
    assert chunker.compress(data, codec="zstd", level=3) == run([prog, "-3", "-c", str(f)])
    assert len(chunker.compress(data, level=19)) < len(chunker.compress(data, level=1))


def in_random_slices(data, most, rng, step):
    """step() over data in slices of 1..most bytes; their outputs joined."""
    out = bytearray()
    pos = 0
    while pos < len(data):
        n = rng.randint(1, most)
        out += step(data[pos:pos + n])
        pos += n
    return out


@pytest.mark.parametrize("codec", list(PROGRAMS))
def test_streaming_round_trip_random_slices(codec):
    prog = need_program(PROGRAMS[codec])
    data = text_bytes(700000, 5) + random_bytes(300000, 6)
    rng = random.Random(8)
    c = chunker.Compressor(codec=codec)
    z = in_random_slices(data, 200000, rng, c.compress) + c.flush()
    assert run([prog, "-d", "-c"], bytes(z)) == data
    d = chunker.Decompressor()
    out = in_random_slices(z, 50000, rng, d.decompress)
    d.finish()
    assert out == data and d.eof


def test_bomb_stops_at_max_output():
    bomb = chunker.compress(bytes(64 << 20), codec="zstd", level=3)
    assert len(bomb) < 1 << 20
    with pytest.raises(chunker.ChunkerError) as e:
        chunker.decompress(bomb, max_output=1 << 20)
    assert e.value.code == "ERR_OUTPUT_LIMIT"
    assert chunker.decompress(bomb, max_output=64 << 20) == bytes(64 << 20)
    d = chunker.Decompressor(max_output=1 << 20)
    with pytest.raises(chunker.ChunkerError) as e:
        while True:
            d.decompress(bomb)
    assert e.value.code == "ERR_OUTPUT_LIMIT"
    for codec in ("xz", "bzip2", "lz4"):
        with pytest.raises(chunker.ChunkerError) as e:
            chunker.decompress(chunker.compress(bytes(8 << 20), codec=codec), max_output=4096)
        assert e.value.code == "ERR_OUTPUT_LIMIT"


def test_corrupt_truncated_unknown():
    z = bytearray(chunker.compress(INPUTS["text"], codec="zstd"))
    with pytest.raises(chunker.ChunkerError) as e:
        chunker.decompress(bytes(z[: len(z) // 2]))
    assert e.value.code == "ERR_TRUNCATED_INPUT"
    z[len(z) // 2] ^= 0xFF
    with pytest.raises(chunker.ChunkerError) as e:
        chunker.decompress(bytes(z))
    assert e.value.code == "ERR_CORRUPT_INPUT"
    with pytest.raises(chunker.ChunkerError) as e:
        chunker.decompress(b"certainly not a frame")
    assert e.value.code == "ERR_UNSUPPORTED_FORMAT"
    d = chunker.Decompressor()
    d.decompress(chunker.compress(b"abc" * 1000, codec="xz")[:20])
    with pytest.raises(chunker.ChunkerError) as e:
        d.finish()
    assert e.value.code == "ERR_TRUNCATED_INPUT"


@pytest.mark.parametrize("kwargs", [dict(codec="gzip"), dict(codec="zstd", level=99), dict(codec="bzip2", level=0)])
def test_bad_options(kwargs):
    with pytest.raises(chunker.ChunkerError) as e:
        chunker.compress(b"abc", **kwargs)
    assert e.value.code == "ERR_INVALID_ARGUMENT" and isinstance(e.value, ValueError)
    with pytest.raises(chunker.ChunkerError) as e:
        chunker.Compressor(**kwargs)
    assert e.value.code == "ERR_INVALID_ARGUMENT"


def test_type_errors():
    with pytest.raises(TypeError):
        chunker.compress("text")
    with pytest.raises(TypeError):
        chunker.decompress(None)


@pytest.mark.parametrize("codec", list(PROGRAMS))
def test_file_objects_both_directions(codec, tmp_path):
    prog = need_program(PROGRAMS[codec])
    data = text_bytes(600000, 20) + random_bytes(100000, 21)
    out = tmp_path / "ours"
    with chunker.CompressWriter(out, codec=codec) as w:  # a path: opened and closed by the writer
        for i in range(0, len(data), 65537):
            w.write(memoryview(data)[i:i + 65537])
    assert run([prog, "-d", "-c", str(out)]) == data
    theirs = tmp_path / "theirs"
    theirs.write_bytes(run([prog, "-c"], data))
    with open(theirs, "rb") as f, io.BufferedReader(chunker.DecompressReader(f)) as r:
        first = r.readline()
        assert first == data[: len(first)] and first.endswith(b"\n")
        assert first + r.read() == data
    # chunking a decompressed stream: the chunks of the plain data
    with chunker.DecompressReader(theirs) as r:
        assert list(chunker.chunk_file(r, avg=16384)) == chunker.chunk(data, avg=16384)


def test_file_object_limits_and_truncation(tmp_path):
    bomb = tmp_path / "bomb.zst"
    with chunker.CompressWriter(bomb, level=1) as w:
        for _ in range(64):
            w.write(bytes(1 << 20))
    with chunker.DecompressReader(bomb, max_output=5 << 20) as r:
        with pytest.raises(chunker.OutputLimitError):
            while r.read(1 << 20):
                pass
    z = chunker.compress(text_bytes(100000, 22), codec="bzip2")
    with chunker.DecompressReader(io.BytesIO(z[:-10])) as r:
        with pytest.raises(chunker.ChunkerError) as e:
            r.read()
        assert e.value.code == "ERR_TRUNCATED_INPUT"
    buf = io.BytesIO()
    w = chunker.CompressWriter(buf, codec="xz")
    w.write(b"abc")
    w.close()
    assert not buf.closed  # a file object given is left open
    assert chunker.decompress(buf.getvalue()) == b"abc"
    with pytest.raises(ValueError):
        w.write(b"more")
    with pytest.raises(TypeError):
        chunker.CompressWriter(io.BytesIO()).write("text")

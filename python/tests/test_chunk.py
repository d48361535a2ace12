"""FastCDC through the C ABI: fastcdc-rs's published vectors, streaming = one-shot,
per-chunk digests against hashlib and b3sum, file objects, errors."""
import gc
import hashlib
import io
import json
import os
import random
import threading

import pytest

import chunker
from conftest import DATA, need_program, random_bytes, run, text_bytes
from streams import NoFd

VECTORS = json.loads((DATA / "fastcdc_vectors.json").read_text())


def expected(case):
    out, off = [], 0
    for fp, length in case["chunks"]:
        out.append((off, length, int(fp)))
        off += length
    return out


def opts(case):
    return dict(min=case["min"], avg=case["avg"], max=case["max"], level=case["level"], seed=int(case["seed"]))


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: f"{c['avg']}-seed{c['seed']}")
def test_fastcdc_rs_vectors_one_shot(sekien, case):
    assert len(sekien) == 109466
    got = chunker.chunk(sekien, hash=None, **opts(case))
    assert [(c.offset, c.length, c.fingerprint) for c in got] == expected(case)
    assert all(c.hash is None for c in got)


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: f"{c['avg']}-seed{c['seed']}")
@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, "readonly-view", "sliced-view", "mmap", "array"])
def test_vectors_every_buffer_kind(sekien, case, kind):
    if kind == "mmap":
        import mmap
        with open(DATA / "SekienAkashita.jpg", "rb") as f:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    elif kind == "array":
        import array
        data = array.array("B", sekien)
    elif kind == "readonly-view":
        data = memoryview(sekien)
    elif kind == "sliced-view":
        data = memoryview(b"xyz" + sekien + b"abc")[3:-3]
    elif kind is memoryview:
        data = memoryview(bytearray(sekien))
    else:
        data = kind(sekien)
    got = chunker.chunk(data, hash=None, **opts(case))
    assert [(c.offset, c.length, c.fingerprint) for c in got] == expected(case)


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: f"{c['avg']}-seed{c['seed']}")
def test_vectors_streamed_in_random_slices(sekien, case):
    rng = random.Random(7)
    for _ in range(5):
        out = []
        with chunker.Chunker(hash=None, **opts(case)) as ch:
            pos = 0
            while pos < len(sekien):
                n = rng.choice([rng.randint(1, 16), rng.randint(1, 4096), rng.randint(1, 140000)])
                out += ch.push(sekien[pos:pos + n])
                pos += n
            out += ch.finish()
        assert [(c.offset, c.length, c.fingerprint) for c in out] == expected(case)


def test_chunker_on_chunk_gets_each_chunks_bytes():
    data = random_bytes(3 << 20, 1)
    seen = []
    with chunker.Chunker(avg=65536, hash="sha256", on_chunk=lambda c, b: seen.append((c, bytes(b)))) as ch:
        for i in range(0, len(data), 100000):
            assert ch.push(data[i:i + 100000]) == []
        assert ch.finish() == []
    assert [c for c, _ in seen] == chunker.chunk(data, avg=65536, hash="sha256")
    assert b"".join(b for _, b in seen) == data
    for c, b in seen:
        assert len(b) == c.length and hashlib.sha256(b).digest() == c.hash


@pytest.mark.parametrize("hash_name", ["sha256", "blake3"])
def test_per_chunk_digests_match_references(hash_name):
    if hash_name == "blake3":
        need_program("b3sum")
    data = text_bytes(1 << 20, 3) + random_bytes(1 << 20, 4)
    got = chunker.chunk(data, min=4096, avg=16384, max=65536, hash=hash_name)
    assert sum(c.length for c in got) == len(data)
    assert got[0].offset == 0 and all(a.offset + a.length == b.offset for a, b in zip(got, got[1:]))
    for i, c in enumerate(got):
        piece = data[c.offset:c.offset + c.length]
        if hash_name == "sha256":
            assert c.hash == hashlib.sha256(piece).digest()
        elif i % 8 == 0:  # one b3sum process per checked chunk: a sample is enough
            assert c.hash.hex() == run(["b3sum", "--no-names"], piece).decode().strip()


def test_defaults_avg_alone_and_presets():
    data = random_bytes(6 << 20, 5)
    default = chunker.chunk(data, hash=None)
    assert default == chunker.chunk(data, min=256 << 10, avg=1 << 20, max=4 << 20, hash=None)
    assert chunker.chunk(data, avg=65536, hash=None) == chunker.chunk(data, min=16384, avg=65536, max=262144, hash=None)
    assert chunker.chunk(data, preset="64k", hash=None) == chunker.chunk(data, avg=65536, hash=None)
    assert chunker.chunk(b"", hash="sha256") == []


@pytest.mark.parametrize("hash_name", [None, "sha256", "blake3"])
def test_threads_give_the_same_chunks(hash_name):
    data = random_bytes(8 << 20, 6)
    one = chunker.chunk(data, avg=65536, hash=hash_name, threads=1)
    assert chunker.chunk(data, avg=65536, hash=hash_name, threads=2) == one
    assert chunker.chunk(data, avg=65536, hash=hash_name, threads=0) == one  # 0: all cores


def test_chunk_file_path_fileobj_and_pipe(tmp_path):
    data = random_bytes(5 << 20, 8) + text_bytes(1 << 20, 9)
    want = chunker.chunk(data, avg=65536, hash="blake3")
    f = tmp_path / "in.bin"
    f.write_bytes(data)
    assert list(chunker.chunk_file(f, avg=65536, hash="blake3")) == want
    assert list(chunker.chunk_file(str(f), avg=65536, hash="blake3")) == want
    with open(f, "rb") as fo:  # real file: the descriptor path
        assert list(chunker.chunk_file(fo, avg=65536, hash="blake3")) == want
    with open(f, "rb", buffering=0) as fo:
        fo.seek(1000)  # starts where the file object is
        tail = chunker.chunk(data[1000:], avg=65536, hash="blake3")
        assert list(chunker.chunk_file(fo, avg=65536, hash="blake3")) == tail
    # no descriptor: read() slices through the stream API
    assert list(chunker.chunk_file(io.BytesIO(data), avg=65536, hash="blake3")) == want
    r, w = os.pipe()
    t = threading.Thread(target=_write_all, args=(w, data))
    t.start()
    with os.fdopen(r, "rb") as fo:
        assert list(chunker.chunk_file(fo, avg=65536, hash="blake3")) == want
    t.join()


def _write_all(fd, data):
    with os.fdopen(fd, "wb") as fo:
        fo.write(data)


class Slow(io.RawIOBase):
    """A file object without a descriptor that returns short reads."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), random.Random(self.pos).randint(1, 70000), len(self.data) - self.pos)
        b[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


def test_chunk_file_with_data_and_short_reads():
    data = random_bytes(2 << 20, 10)
    got = list(chunker.chunk_file(Slow(data), avg=16384, hash="sha256", with_data=True))
    assert [c for c, _ in got] == chunker.chunk(data, avg=16384, hash="sha256")
    assert b"".join(b for _, b in got) == data


def test_chunk_file_is_lazy_and_stops_early(tmp_path):
    f = tmp_path / "big.bin"
    f.write_bytes(random_bytes(16 << 20, 11))
    it = chunker.chunk_file(f, avg=16384, hash="blake3")
    first = next(it)
    assert first.offset == 0
    it.close()  # abandons the run: no hang, no leaked thread
    for _ in range(3):
        for c in chunker.chunk_file(f, avg=16384, hash="blake3"):
            break
    gc.collect()
    assert not [t for t in threading.enumerate() if t.name.startswith("chunker")]


def test_chunk_file_read_error_is_raised():
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, b):
            raise OSError(5, "disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        list(chunker.chunk_file(Broken()))


def test_exception_in_callback_stops_and_is_reraised(capfd):
    data = random_bytes(1 << 20, 12)
    calls = []

    def boom(c, b):
        calls.append(c)
        if len(calls) == 3:
            raise KeyError("stop here")

    ch = chunker.Chunker(avg=16384, hash="blake3", threads=2, on_chunk=boom)
    with pytest.raises(KeyError, match="stop here"):
        ch.push(data)
        ch.finish()
    assert len(calls) == 3
    # the chunker is unusable after a failed run, and says so
    with pytest.raises(chunker.ChunkerError):
        ch.push(b"more")
    ch.close()
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@pytest.mark.parametrize("kwargs", [
    dict(min=100, avg=50, max=1000),          # avg < min
    dict(avg=1 << 30),                        # avg too large
    dict(min=16, avg=256, max=1024),          # min below 64
    dict(avg=65536, level=9),                 # level 0..3
    dict(avg=65536, hash="md5"),
    dict(avg=65536, preset="7k"),
])
def test_bad_options(kwargs, capfd):
    with pytest.raises(chunker.ChunkerError) as e:
        chunker.chunk(b"x" * 100, **kwargs)
    assert e.value.code == "ERR_INVALID_ARGUMENT"
    assert isinstance(e.value, ValueError)
    assert str(e.value)  # a message naming the problem
    for make in (lambda: chunker.Chunker(**kwargs), lambda: chunker.chunk_file(io.BytesIO(b"x"), **kwargs)):
        with pytest.raises(chunker.ChunkerError) as e:
            make()  # options are checked at once, not at the first next()
        assert e.value.code == "ERR_INVALID_ARGUMENT"
    gc.collect()
    assert capfd.readouterr() == ("", "")  # nothing "ignored in __del__"


@pytest.mark.parametrize("kwargs", [dict(avg=(1 << 32) + 65536), dict(seed=-1), dict(threads=-1)])
def test_options_that_c_would_truncate(kwargs):
    with pytest.raises(chunker.InvalidArgumentError):
        chunker.chunk(b"x", **kwargs)


@pytest.mark.parametrize("bad", ["text", 12, None, [1, 2, 3]])
def test_wrong_types(bad):
    with pytest.raises(TypeError):
        chunker.chunk(bad)
    with pytest.raises(TypeError):
        chunker.Chunker().push(bad)


def test_non_contiguous_buffer_is_handled():
    data = random_bytes(200000, 13)
    view = memoryview(bytearray(data + data))[::2]  # not contiguous
    assert chunker.chunk(view, avg=4096, hash=None) == chunker.chunk(bytes(view), avg=4096, hash=None)


def test_a_new_stream_after_finish_and_closed_chunker():
    data = random_bytes(300000, 14)
    ch = chunker.Chunker(avg=4096, hash="blake3")
    first = ch.push(data) + ch.finish()
    assert first == ch.push(data) + ch.finish() == chunker.chunk(data, avg=4096, hash="blake3")
    ch.close()
    ch.close()  # idempotent
    with pytest.raises(chunker.ChunkerError) as e:
        ch.push(b"b")
    assert isinstance(e.value, ValueError)


def test_missing_library_is_a_clear_import_error(tmp_path):
    import subprocess
    import sys
    from conftest import ROOT
    env = dict(os.environ, CHUNKER_LIBRARY=str(tmp_path / "libnothere.so"))
    r = subprocess.run([sys.executable, "-c", "import chunker"], cwd=ROOT / "python", env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "CHUNKER_LIBRARY" in r.stderr and "libnothere.so" in r.stderr


def test_file_changed_while_read_is_err_changed(tmp_path):
    f = tmp_path / "growing.bin"
    f.write_bytes(random_bytes(16 << 20, 15))
    it = chunker.chunk_file(f, avg=16384, hash="blake3", with_data=True)
    next(it)  # the library is now blocked on the bounded queue, far from the end of the file
    with open(f, "ab") as fo:
        fo.write(b"appended while being chunked")
    with pytest.raises(chunker.ChunkerError) as e:
        for _ in it:
            pass
    assert e.value.code == "ERR_CHANGED"
    assert "growing.bin" in e.value.message


def test_python_threads_at_once():
    # The calls run without the GIL, so these really overlap in the library.
    inputs = [random_bytes(2 << 20, 30 + i) for i in range(4)]
    want = [(chunker.chunk(d, avg=16384, hash="blake3"), chunker.blake3(d), chunker.compress(d[:200000]))
            for d in inputs]
    got = [None] * len(inputs)

    def work(i):
        d = inputs[i]
        with chunker.Chunker(avg=16384, hash="blake3") as ch:
            streamed = ch.push(d[:777777]) + ch.push(d[777777:]) + ch.finish()
        assert streamed == want[i][0]
        got[i] = (chunker.chunk(d, avg=16384, hash="blake3"), chunker.blake3(d), chunker.compress(d[:200000]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == want



@pytest.mark.parametrize("via", ["path", "stream"])
def test_chunk_file_memory_stays_bounded(tmp_path, via):
    import tracemalloc
    f = tmp_path / "big.bin"
    with open(f, "wb") as out:
        for i in range(16):
            out.write(random_bytes(4 << 20, 100 + i))
    total = 0
    tracemalloc.start()
    try:
        with open(f, "rb", buffering=0) as raw:
            src = f if via == "path" else NoFd(raw)
            for c, data in chunker.chunk_file(src, avg=65536, hash="blake3", with_data=True):
                total += len(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == 64 << 20
    # Python-side bytes in flight: a few 1 MiB batches (path) or one 4 MiB slice and
    # its chunks (stream), never the 64 MiB file.
    assert peak < 16 << 20, peak


def test_reentry_and_close_from_on_chunk_are_refused():
    # The C ABI forbids calling a handle from its own callback; the package says so
    # instead of corrupting the stream.
    ch = None

    def reenter(c, b):
        ch.push(b"more")

    ch = chunker.Chunker(avg=4096, on_chunk=reenter)
    with pytest.raises(chunker.InvalidArgumentError, match="in use"):
        ch.push(random_bytes(100000, 40))
        ch.finish()
    ch.close()

    def close_it(c, b):
        ch2.close()

    ch2 = chunker.Chunker(avg=4096, on_chunk=close_it)
    with pytest.raises(chunker.InvalidArgumentError, match="running"):
        ch2.push(random_bytes(100000, 41))
        ch2.finish()
    ch2.close()


def test_one_object_from_many_threads_never_crashes():
    h = chunker.Blake3()
    piece = random_bytes(1 << 20, 42)
    outcomes = []

    def hammer():
        for _ in range(20):
            try:
                h.update(piece)
                outcomes.append("ok")
            except chunker.InvalidArgumentError as e:
                assert "in use" in str(e)
                outcomes.append("busy")

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 80
    want = chunker.Blake3()
    for _ in range(outcomes.count("ok")):
        want.update(piece)
    assert h.digest() == want.digest()  # exactly the updates that ran, each whole


def test_chunk_file_missing_path_and_hash_aliases(tmp_path):
    it = chunker.chunk_file(tmp_path / "missing.bin")
    with pytest.raises(chunker.ChunkerError) as e:
        next(it)
    assert e.value.code == "ERR_IO" and "missing.bin" in e.value.message
    data = random_bytes(100000, 43)
    assert chunker.chunk(data, avg=4096, hash="sha-256") == chunker.chunk(data, avg=4096, hash="sha256")
    assert chunker.chunk(data, avg=4096, hash="none") == chunker.chunk(data, avg=4096, hash=None)


@pytest.mark.parametrize("threads", [2, 0])
def test_chunk_file_with_library_threads(tmp_path, threads):
    data = random_bytes(6 << 20, 44)
    f = tmp_path / "in.bin"
    f.write_bytes(data)
    want = chunker.chunk(data, avg=65536, hash="blake3")
    assert list(chunker.chunk_file(f, avg=65536, hash="blake3", threads=threads)) == want
    got = list(chunker.chunk_file(io.BytesIO(data), avg=65536, hash="blake3", threads=threads, with_data=True))
    assert [c for c, _ in got] == want and b"".join(b for _, b in got) == data

"""FastCDC chunking: chunk() over a buffer, the Chunker stream, chunk_file() over files."""
import ctypes
import io
import os
import queue
import stat
import threading
from ctypes import byref
from collections import namedtuple

from ._lib import (CHUNK_FN, CHUNK_RECORD, HASH_NONE, Borrow, Buffer, ChunkerError, Handle, Options, c_void_p,
                   check, cstr, error, invalid, lib, take_buffer, u32, u64)

_string_at = ctypes.string_at
_unpack = CHUNK_RECORD.unpack
_RECORD = CHUNK_RECORD.size


# (typing.NamedTuple would cost ~10 ms of import time for the same class.)
Chunk = namedtuple("Chunk", "offset length fingerprint hash")
Chunk.__doc__ = """One chunk: offset and length in the input, the FastCDC gear fingerprint at
the cut (as fastcdc-rs reports it) and the strong hash of its bytes (bytes, or None
with hash=None)."""


def _chunk(rec):
    offset, length, hash_len, fingerprint, digest = rec
    return Chunk(offset, length, fingerprint, digest[:hash_len] if hash_len else None)


def _records(buf):
    """Chunk list from a chunker_buffer of chunker_chunk records (freed)."""
    raw = take_buffer(buf)
    return [_chunk(r) for r in CHUNK_RECORD.iter_unpack(raw)]


_hash_ids = {}


class _OptionsRoom(ctypes.Structure):
    _fields_ = [("options", Options), ("room", ctypes.c_uint8 * 256)]


def _hash_id(name):
    if name is None:
        return HASH_NONE
    hid = _hash_ids.get(name)
    if hid is None:
        out = ctypes.c_int()
        check(lib.chunker_hash_parse(cstr(name, "hash"), byref(out)))
        hid = _hash_ids[name] = out.value
    return hid


def make_options(min=None, avg=None, max=None, level=None, seed=None, hash="sha256", threads=1, preset=None):
    """chunker_options from keyword arguments. `avg` alone gives avg/4 .. avg*4
    (as the npm package); unset fields keep the preset's (default: 256K/1M/4M)."""
    # chunker_options_init writes the library's sizeof(chunker_options): a later
    # library that appends fields writes into the room behind ours, not past it.
    o = _OptionsRoom().options
    check(lib.chunker_options_init(byref(o)))
    if preset is not None:
        check(lib.chunker_options_preset(byref(o), cstr(preset, "preset")))
    if avg is not None:
        o.avg_size = u32(avg, "avg")
        if min is None:
            min = avg // 4
        if max is None:
            max = avg * 4
    if min is not None:
        o.min_size = u32(min, "min")
    if max is not None:
        o.max_size = u32(max, "max")
    if level is not None:
        o.level = u32(level, "level")
    if seed is not None:
        o.seed = u64(seed, "seed")
    o.hash = _hash_id(hash)
    o.threads = u32(threads, "threads")
    return o


def chunk(data, *, avg=None, min=None, max=None, level=None, seed=None, hash="sha256", threads=1, preset=None):
    """FastCDC 2020 chunks of a bytes-like object, each with its SHA-256 ("sha256",
    default), BLAKE3 ("blake3") or no (None) digest. Runs without the GIL."""
    o = make_options(min, avg, max, level, seed, hash, threads, preset)
    out = Buffer()
    with Borrow(data) as (ptr, n):
        check(lib.chunker_chunk_buffer_collect(ptr, n, byref(o), byref(out)))
    return _records(out)


class _Callback:
    """A chunker_chunk_fn around a Python function. An exception inside it stops
    the run (non-zero return) and is kept for the caller to re-raise: ctypes would
    otherwise print it and return 0."""

    __slots__ = ("fn", "error", "c_fn")

    def __init__(self, on_chunk):
        self.fn = on_chunk
        self.error = None
        self.c_fn = CHUNK_FN(self._call)

    def _call(self, ctx, cptr, dptr):
        try:
            c = _chunk(_unpack(_string_at(cptr, _RECORD)))
            self.fn(c, _string_at(dptr, c.length))
            return 0
        except BaseException as e:  # noqa: B902 - KeyboardInterrupt must stop the run too
            self.error = e
            return 1

    def reraise(self):
        e, self.error = self.error, None
        if e is not None:
            raise e


class Chunker(Handle):
    """Streaming FastCDC: push() pieces of any size, finish() at the end; the same
    chunks as chunk() over the concatenation. Holds about one max-size of bytes.

    push()/finish() return the chunks that became final. With on_chunk(chunk, data),
    each chunk and a copy of its bytes go to that function instead (and the lists
    are empty); an exception it raises stops the run and comes out of push()/finish(),
    and the Chunker refuses further use. After finish() a new stream may start
    (offsets from 0 again). One thread at a time; close() or `with` frees it.
    """

    _kind = "Chunker"
    _free = "chunker_stream_free"

    def __init__(self, *, avg=None, min=None, max=None, level=None, seed=None, hash="sha256", threads=1,
                 preset=None, on_chunk=None):
        h = self._new_handle()  # first: close() (also from __del__) must work whatever fails below
        o = make_options(min, avg, max, level, seed, hash, threads, preset)
        check(lib.chunker_stream_new(byref(o), byref(h)))
        self._cb = _Callback(on_chunk) if on_chunk is not None else None
        self._failed = None

    def _run(self, call):
        if self._failed:
            raise ChunkerError("ERR_CANCELLED", f"an earlier push()/finish() failed ({self._failed}); "
                                                "use a new Chunker")
        status = call()
        if status:
            if self._cb is not None and self._cb.error is not None:
                self._failed = type(self._cb.error).__name__
                self._cb.reraise()
            self._failed = lib.chunker_status_name(status).decode()
            check(status)

    def push(self, data):
        with self._using() as h, Borrow(data) as (ptr, n):
            if self._cb is not None:
                self._run(lambda: lib.chunker_stream_push(h, ptr, n, self._cb.c_fn, None))
                return []
            out = Buffer()
            self._run(lambda: lib.chunker_stream_push_collect(h, ptr, n, byref(out)))
        return _records(out)

    def finish(self):
        with self._using() as h:
            if self._cb is not None:
                self._run(lambda: lib.chunker_stream_finish(h, self._cb.c_fn, None))
                return []
            out = Buffer()
            self._run(lambda: lib.chunker_stream_finish_collect(h, byref(out)))
        return _records(out)


# ---- files -----------------------------------------------------------------------

READ_SIZE = 4 << 20


def chunk_file(source, *, avg=None, min=None, max=None, level=None, seed=None, hash="sha256", threads=1,
               preset=None, with_data=False, read_size=READ_SIZE):
    """Iterates the chunks of a file: a path, or a binary file object from its
    current position. Yields Chunk, or (Chunk, bytes) with with_data=True.

    Paths, and real files positioned at their start, are read by the library
    itself (each byte once, no GIL held, on a helper thread; chunks come through a
    bounded queue). Other file objects (BytesIO, sockets, pipes behind a Python
    buffer, files not at offset 0) are read in read_size slices through the
    streaming API. Memory stays bounded either way. A regular file that changes
    while read raises ChunkerError ERR_CHANGED; stopping the iteration early
    stops the reading.
    """
    o = make_options(min, avg, max, level, seed, hash, threads, preset)
    if isinstance(source, (str, bytes, os.PathLike)):
        path = os.fsencode(source)
        if b"\0" in path:
            raise invalid("path contains a NUL byte")
        return _threaded(lambda fn: lib.chunker_chunk_file(path, byref(o), fn, None), with_data)
    fd = _whole_file_fd(source)
    if fd is not None:
        return _threaded(lambda fn: lib.chunker_chunk_fd(fd, byref(o), fn, None), with_data,
                         done=lambda: _consumed(source))
    if u32(read_size, "read_size") == 0:
        raise invalid("read_size must be at least 1")
    return _streamed(source, o, with_data, read_size)


def _whole_file_fd(f):
    """The descriptor when the library can read the rest of `f` itself: a regular
    file at offset 0 (the library reads it by position from byte 0), or a raw
    unbuffered FileIO on a pipe/device (no bytes held back in a Python buffer)."""
    try:
        fd = f.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        try:
            return fd if f.tell() == 0 else None
        except (OSError, io.UnsupportedOperation):
            return None
    return fd if isinstance(f, io.FileIO) else None


def _consumed(f):
    # The library read to the end: leave the file object there, as reading would.
    try:
        f.seek(0, io.SEEK_END)
    except (OSError, io.UnsupportedOperation):
        pass


class _Done:
    __slots__ = ("error",)

    def __init__(self, err):
        self.error = err


# Chunks cross from the reading thread to the iterating one in batches: one
# queue hand-off (and GIL hand-over) per chunk would cost more than chunking 4 KiB.
BATCH_CHUNKS = 512
BATCH_BYTES = 1 << 20  # with_data: bytes of chunk data per batch
QUEUE_BATCHES = 4


def _threaded(run, with_data, done=None):
    """Runs run(chunker_chunk_fn) on a helper thread; yields what its callback queues.
    Memory: at most QUEUE_BATCHES + 2 batches of chunks (with_data: their bytes)."""
    q = queue.Queue(maxsize=QUEUE_BATCHES)
    stop = threading.Event()
    failure = []
    batch = []
    held = 0  # bytes of chunk data in `batch`

    def on_chunk(ctx, cptr, dptr):
        nonlocal batch, held
        try:
            if stop.is_set():
                return 1
            c = _chunk(_unpack(_string_at(cptr, _RECORD)))
            if with_data:
                batch.append((c, _string_at(dptr, c.length)))
                held += c.length
                full = held >= BATCH_BYTES
            else:
                batch.append(c)
                full = len(batch) >= BATCH_CHUNKS
            if full:
                q.put(batch)  # blocks while the consumer is behind: bounded memory
                batch, held = [], 0
            return 0
        except BaseException as e:  # noqa: B902 - KeyboardInterrupt must stop the run too
            failure.append(e)
            return 1

    c_fn = CHUNK_FN(on_chunk)

    def producer():
        err = None
        try:
            status = run(c_fn)
            if status and not stop.is_set():
                # chunker_last_error() is per thread: read it here, on the failing one.
                err = failure[0] if failure else error(lib.chunker_status_name(status).decode(),
                                                       lib.chunker_last_error().decode(errors="replace"))
        except BaseException as e:  # noqa: B902
            err = e
        if err is None and batch:
            q.put(batch)
        q.put(_Done(err))

    def gen():
        t = threading.Thread(target=producer, name="chunker-chunk_file", daemon=True)
        t.start()
        try:
            while True:
                item = q.get()
                if type(item) is _Done:
                    break
                yield from item
            if item.error is not None:
                raise item.error
            if done is not None:
                done()
        finally:
            if t.is_alive():
                stop.set()
                while t.is_alive():  # unblock a put() waiting on a full queue
                    try:
                        q.get(timeout=0.05)
                    except queue.Empty:
                        pass
            t.join()

    return gen()


def _streamed(f, o, with_data, read_size):
    s = c_void_p()
    check(lib.chunker_stream_new(byref(o), byref(s)))

    def gen():
        got = []
        cb = _Callback(lambda c, b: got.append((c, b))) if with_data else None

        def push(ptr, n):
            if cb is not None:
                st = lib.chunker_stream_push(s, ptr, n, cb.c_fn, None)
            else:
                out = Buffer()
                st = lib.chunker_stream_push_collect(s, ptr, n, byref(out))
            if st:
                if cb is not None:
                    cb.reraise()
                check(st)
            return got if cb is not None else _records(out)

        buf = bytearray(read_size)
        view = memoryview(buf)
        readinto = getattr(f, "readinto", None)
        try:
            while True:
                if readinto is not None:
                    n = readinto(view)
                    if n is None:
                        raise BlockingIOError("chunk_file: a non-blocking file object had no data")
                    piece = view[:n]
                else:
                    piece = f.read(read_size)
                    n = len(piece) if piece is not None else 0
                if not n:
                    break
                with Borrow(piece) as (ptr, m):
                    ready = push(ptr, m)
                yield from ready
                got.clear()
            if cb is not None:
                st = lib.chunker_stream_finish(s, cb.c_fn, None)
                if st:
                    cb.reraise()
                    check(st)
                yield from got
            else:
                out = Buffer()
                check(lib.chunker_stream_finish_collect(s, byref(out)))
                yield from _records(out)
        finally:
            lib.chunker_stream_free(s)

    return gen()

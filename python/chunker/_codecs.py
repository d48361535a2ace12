"""zstd / lz4 / xz / bzip2: one-shot compress()/decompress() and streaming objects."""
import ctypes
import io
import os
from ctypes import byref, c_int, c_uint64
from collections import namedtuple

from ._hashing import nix_base32_decode
from ._lib import (LEVEL_DEFAULT, Borrow, BorrowWritable, Buffer, Handle, Step, address, check, cstr, invalid, lib,
                   take_buffer, u32, u64)

_codec_ids = {}
OUT_SLICE = 1 << 20  # output per library call in the streaming objects
DEFAULT_MAX_OUTPUT = 1 << 30


def _codec(name, allow_auto=False):
    if name is None and allow_auto:
        return 0
    cid = _codec_ids.get(name)
    if cid is None:
        out = c_int()
        check(lib.chunker_codec_parse(cstr(name, "codec"), byref(out)))
        cid = _codec_ids[name] = out.value
    if cid == 0 and not allow_auto:
        raise invalid(f"codec {name!r} compresses nothing: use zstd, lz4, xz or bzip2")
    return cid


def _level(level):
    if level is None:
        return LEVEL_DEFAULT
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"level must be an int, not {type(level).__name__}")
    if not -(1 << 31) < level < 1 << 31:
        raise invalid(f"level {level} is out of range")
    return level


def _limit(max_output):
    if max_output is None:
        return DEFAULT_MAX_OUTPUT
    if u64(max_output, "max_output") == 0:
        raise invalid("max_output must be at least 1 (None: the 1 GiB default)")
    return max_output


def compress(data, codec="zstd", level=None):
    """One frame of `codec` ("zstd", "lz4" frame format, "xz", "bzip2") at `level`
    (None: the codec's default: zstd 3, lz4 1, xz 6, bzip2 9), with the content
    checksum the programs write by default; `zstd -d`, `lz4 -d`, `xz -d`, `bzip2 -d` read it."""
    cid, lvl = _codec(codec), _level(level)
    out = Buffer()
    with Borrow(data) as (ptr, n):
        check(lib.chunker_compress_alloc(cid, lvl, ptr, n, byref(out)))
    return take_buffer(out)


def decompress(data, *, max_output=None):
    """All frames in `data` (each codec detected by its magic; concatenations of
    different codecs are fine). ERR_OUTPUT_LIMIT when the output would pass
    max_output bytes (default 1 GiB): a decompression bomb fails without its output."""
    limit = _limit(max_output)
    out = Buffer()
    with Borrow(data) as (ptr, n):
        check(lib.chunker_decompress_alloc(ptr, n, limit, byref(out)))
    return take_buffer(out)


def _stream(obj, data, update, done):
    """Feeds all of `data` through obj's handle with update(h, ptr, n, out, cap,
    step), one output slice at a time, until done(step, pos, n, cap); returns
    (the output bytes, the last step)."""
    parts, step = [], Step()
    out, cap = obj._out, OUT_SLICE
    with obj._using() as h, Borrow(data) as (ptr, n):
        base, pos = address(ptr), 0
        while True:
            update(h, ptr if pos == 0 else base + pos, n - pos, out, cap, step)
            pos += step.in_used
            if step.out_used:
                parts.append(ctypes.string_at(out, step.out_used))
            if done(step, pos, n, cap):
                break
    return b"".join(parts), step


class Compressor(Handle):
    """Streaming compression, like zlib.compressobj: compress(data) -> bytes ready
    so far, flush() -> the rest of the frame. After flush() the next compress()
    starts a new frame. threads (zstd only): >= 2 writes `zstd -T N`'s frame, 0 = all cores."""

    _kind = "Compressor"
    _free = "chunker_compressor_free"

    def __init__(self, codec="zstd", level=None, *, threads=1):
        h = self._new_handle()
        check(lib.chunker_compressor_new(_codec(codec), _level(level), u32(threads, "threads"), byref(h)))
        self._out = ctypes.create_string_buffer(OUT_SLICE)

    def _run(self, data, finish):
        def update(h, p, n, out, cap, step):
            check(lib.chunker_compressor_update(h, p, n, out, cap, finish, byref(step)))

        def done(step, pos, n, cap):
            return step.done and pos == n if finish else pos == n and step.out_used < cap

        return _stream(self, data, update, done)[0]

    def compress(self, data):
        return self._run(data, 0)

    def flush(self):
        """The rest of the frame; the next compress() starts a new one."""
        return self._run(b"", 1)

    def reset(self):
        """Abandons the frame in progress."""
        with self._using() as h:
            check(lib.chunker_compressor_reset(h))


class Decompressor(Handle):
    """Streaming decompression of concatenated frames, like zlib.decompressobj:
    decompress(data) -> the output of that input; finish() checks that the input
    ended at a frame boundary (ERR_TRUNCATED_INPUT otherwise). codec=None detects
    each frame. The total output is limited to max_output (default 1 GiB): past it,
    ERR_OUTPUT_LIMIT. Memory: the codec's window + one 1 MiB slice + the returned bytes."""

    _kind = "Decompressor"
    _free = "chunker_decompressor_free"

    def __init__(self, codec=None, *, max_output=None):
        h = self._new_handle()
        check(lib.chunker_decompressor_new(_codec(codec, allow_auto=True), _limit(max_output), byref(h)))
        self._out = ctypes.create_string_buffer(OUT_SLICE)
        self.eof = True  # at a frame boundary with nothing buffered

    def decompress(self, data):
        def update(h, p, n, out, cap, step):
            check(lib.chunker_decompressor_update(h, p, n, out, cap, byref(step)))

        out, step = _stream(self, data, update, lambda step, pos, n, cap: pos == n and step.out_used < cap)
        self.eof = bool(step.done)
        return out

    def _update_into(self, data, pos, out, cap, step):
        """One update from data[pos:] into out[0..cap) (for DecompressReader)."""
        with self._using() as h:
            check(lib.chunker_decompressor_update(h, address(data) + pos, len(data) - pos, out, cap, byref(step)))

    def finish(self):
        """End of input: ERR_TRUNCATED_INPUT unless at a frame boundary."""
        with self._using() as h:
            check(lib.chunker_decompressor_finish(h))

    def reset(self):
        """Forgets a frame in progress and the output count."""
        with self._using() as h:
            check(lib.chunker_decompressor_reset(h))
        self.eof = True


# ---- file objects -------------------------------------------------------------------


def _open(target, mode):
    """(file object, owned) for a path or an open binary file object."""
    if isinstance(target, (str, bytes, os.PathLike)):
        return open(target, mode), True
    return target, False


class DecompressReader(io.RawIOBase):
    """A readable binary file object over compressed data (a path or a file object
    with read()): frames of any codec, detected by magic. Wrap it in io.BufferedReader
    for readline() and small reads. read() past max_output total bytes raises
    OutputLimitError; input that ends mid-frame raises CorruptInputError
    (ERR_TRUNCATED_INPUT) at the end. close() closes the source only when it was a path."""

    def __init__(self, source, *, codec=None, max_output=None, read_size=1 << 20):
        self._d = Decompressor(codec, max_output=max_output)
        self._f, self._owned = _open(source, "rb")
        self._read_size = read_size
        self._in, self._pos, self._in_eof, self._done = b"", 0, False, False

    def readable(self):
        return True

    def readinto(self, b):
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if self._done or not len(b):
            return 0
        step = Step()
        with BorrowWritable(b) as (out, cap):
            while True:
                if self._pos == len(self._in) and not self._in_eof:
                    self._in, self._pos = bytes(self._f.read(self._read_size) or b""), 0
                    self._in_eof = not self._in
                self._d._update_into(self._in, self._pos, out, cap, step)
                self._pos += step.in_used
                if step.out_used:
                    return step.out_used
                if self._in_eof and self._pos == len(self._in):
                    self._d.finish()  # ERR_TRUNCATED_INPUT unless at a frame boundary
                    self._done = True
                    return 0

    def close(self):
        if not self.closed and hasattr(self, "_f"):  # (also from __del__ after a failed __init__)
            self._d.close()
            if self._owned:
                self._f.close()
        super().close()


class CompressWriter(io.RawIOBase):
    """A writable binary file object that compresses into `target` (a path or a file
    object with write()): one frame of `codec`, ended by close() (or leaving `with`).
    close() closes the target only when it was a path."""

    def __init__(self, target, codec="zstd", level=None, *, threads=1):
        self._c = Compressor(codec, level, threads=threads)
        self._f, self._owned = _open(target, "wb")

    def writable(self):
        return True

    def write(self, b):
        if self.closed:
            raise ValueError("I/O operation on closed file")
        n = memoryview(b).nbytes  # TypeError for str
        out = self._c.compress(b)
        if out:
            self._f.write(out)
        return n

    def close(self):
        if not self.closed and hasattr(self, "_f"):
            try:
                self._f.write(self._c.flush())
            finally:
                self._c.close()
                if self._owned:
                    self._f.close()
        super().close()


# ---- NAR --------------------------------------------------------------------------


class NarHash(namedtuple("NarHash", "hash digest size")):
    """NAR hash of a path: `hash` as a narinfo NarHash ("sha256:" + Nix base32, what
    `nix-hash --type sha256 --base32` prints after the prefix), the raw SHA-256
    `digest` and the NAR's `size` in bytes (NarSize)."""
    __slots__ = ()

    def __str__(self):
        return self.hash


def nar_hash(path):
    """NAR hash of a directory, regular file or symlink (not followed), as Nix computes it."""
    p = os.fsencode(path)
    if b"\0" in p:
        raise invalid("path contains a NUL byte")
    out, size = ctypes.create_string_buffer(64), c_uint64()
    check(lib.chunker_nar_hash_path(p, out, len(out), byref(size)))
    text = out.value.decode()
    return NarHash(text, nix_base32_decode(text.split(":", 1)[1]), size.value)

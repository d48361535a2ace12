"""Loading libchunker, the C declarations of <chunker.h>, errors and buffer borrowing.

Everything that knows about ctypes lives here; the public modules only call
`lib.chunker_*` with the helpers below.
"""
import ctypes
import os
import struct
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_char_p, c_int, c_size_t, c_uint8, c_uint32,
                    c_uint64, c_void_p)

ABI_VERSION = 1  # CHUNKER_ABI_VERSION of the header these declarations follow

# ---- loading ---------------------------------------------------------------


def _candidates():
    """(description, path) pairs in lookup order."""
    env = os.environ.get("CHUNKER_LIBRARY")
    if env:
        # An explicit choice is the only candidate: falling back would hide a typo.
        return [("CHUNKER_LIBRARY", env)]
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    for name in sorted(os.listdir(here)):
        if name.startswith("libchunker.so"):
            out.append(("next to the package", os.path.join(here, name)))
    # A source checkout: python/chunker -> build/native (cmake --preset release).
    tree = os.path.join(os.path.dirname(os.path.dirname(here)), "build", "native", "libchunker.so")
    if os.path.exists(tree):
        out.append(("source tree build", tree))
    out.append(("ctypes.util.find_library('chunker')", None))  # looked up only when reached
    return out


def _load():
    tried = []
    for how, path in _candidates():
        if how.startswith("ctypes.util"):
            from ctypes.util import find_library  # imports subprocess, shutil: only when reached
            path = find_library("chunker")
        if not path:
            tried.append(f"{how}: not found")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append(f"{how}: {path}: {e}")
            continue
        if not hasattr(lib, "chunker_abi_version"):
            tried.append(f"{how}: {path}: no C ABI (chunker_abi_version missing: a library older than chunker.h)")
            continue
        lib.chunker_abi_version.restype = c_int
        abi = lib.chunker_abi_version()
        if abi != ABI_VERSION:
            tried.append(f"{how}: {path}: C ABI version {abi}, this package needs {ABI_VERSION}")
            continue
        return lib, path
    raise ImportError("chunker: cannot load libchunker (set CHUNKER_LIBRARY to the path of libchunker.so, "
                      "e.g. build/native/libchunker.so after `cmake --build --preset release`); tried:\n  "
                      + "\n  ".join(tried))


lib, LIBRARY_PATH = _load()

# ---- declarations ------------------------------------------------------------

HASH_NONE, HASH_SHA256, HASH_BLAKE3 = 0, 1, 2
CODEC_NONE = 0
LEVEL_DEFAULT = -2147483647 - 1
NAR_HASH_LEN = 60


class Options(Structure):
    _fields_ = [("struct_size", c_uint32), ("min_size", c_uint32), ("avg_size", c_uint32),
                ("max_size", c_uint32), ("level", c_uint32), ("seed", c_uint64), ("hash", c_int),
                ("threads", c_uint32)]


class RawChunk(Structure):
    _fields_ = [("offset", c_uint64), ("length", c_uint32), ("hash_len", c_uint32), ("fingerprint", c_uint64),
                ("hash", c_uint8 * 32)]


# One chunker_chunk record: offset, length, hash_len, fingerprint, hash[32] (no padding).
CHUNK_RECORD = struct.Struct("=QIIQ32s")
assert CHUNK_RECORD.size == ctypes.sizeof(RawChunk) == 56


class Buffer(Structure):
    _fields_ = [("data", c_void_p), ("len", c_size_t)]


class Step(Structure):
    _fields_ = [("in_used", c_size_t), ("out_used", c_size_t), ("done", c_int)]


# The chunk pointer arrives as an address: unpacking 56 bytes with CHUNK_RECORD
# is cheaper than going through RawChunk's field descriptors.
CHUNK_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)

_P = c_void_p  # data pointers: bytes pass zero-copy, other buffers via Borrow below
_H = c_void_p  # opaque handles
_status = c_int


def _declare(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = argtypes


for _name, _res, _args in [
    ("chunker_status_name", c_char_p, (c_int,)),
    ("chunker_last_error", c_char_p, ()),
    ("chunker_version", c_char_p, ()),
    ("chunker_buffer_free", None, (POINTER(Buffer),)),
    ("chunker_hash_parse", _status, (c_char_p, POINTER(c_int))),
    ("chunker_options_init", _status, (POINTER(Options),)),
    ("chunker_options_preset", _status, (POINTER(Options), c_char_p)),
    ("chunker_chunk_buffer", _status, (_P, c_size_t, POINTER(Options), CHUNK_FN, c_void_p)),
    ("chunker_chunk_fd", _status, (c_int, POINTER(Options), CHUNK_FN, c_void_p)),
    ("chunker_chunk_file", _status, (c_char_p, POINTER(Options), CHUNK_FN, c_void_p)),
    ("chunker_chunk_buffer_collect", _status, (_P, c_size_t, POINTER(Options), POINTER(Buffer))),
    ("chunker_chunk_fd_collect", _status, (c_int, POINTER(Options), POINTER(Buffer))),
    ("chunker_chunk_file_collect", _status, (c_char_p, POINTER(Options), POINTER(Buffer))),
    ("chunker_stream_new", _status, (POINTER(Options), POINTER(_H))),
    ("chunker_stream_push", _status, (_H, _P, c_size_t, CHUNK_FN, c_void_p)),
    ("chunker_stream_finish", _status, (_H, CHUNK_FN, c_void_p)),
    ("chunker_stream_push_collect", _status, (_H, _P, c_size_t, POINTER(Buffer))),
    ("chunker_stream_finish_collect", _status, (_H, POINTER(Buffer))),
    ("chunker_stream_free", None, (_H,)),
    ("chunker_blake3_new", _status, (POINTER(_H),)),
    ("chunker_blake3_new_keyed", _status, (_P, POINTER(_H))),
    ("chunker_blake3_new_derive_key", _status, (c_char_p, POINTER(_H))),
    ("chunker_blake3_update", _status, (_H, _P, c_size_t)),
    ("chunker_blake3_update_parallel", _status, (_H, _P, c_size_t, c_uint32)),
    ("chunker_blake3_finalize", _status, (_H, _P, c_size_t)),
    ("chunker_blake3_finalize_seek", _status, (_H, c_uint64, _P, c_size_t)),
    ("chunker_blake3_reset", _status, (_H,)),
    ("chunker_blake3_free", None, (_H,)),
    ("chunker_blake3_hash", _status, (_P, c_size_t, _P)),
    ("chunker_sha256_new", _status, (POINTER(_H),)),
    ("chunker_sha256_update", _status, (_H, _P, c_size_t)),
    ("chunker_sha256_finalize", _status, (_H, _P)),
    ("chunker_sha256_reset", _status, (_H,)),
    ("chunker_sha256_free", None, (_H,)),
    ("chunker_sha256_hash", _status, (_P, c_size_t, _P)),
    ("chunker_codec_parse", _status, (c_char_p, POINTER(c_int))),
    ("chunker_compress_bound", c_size_t, (c_int, c_size_t)),
    ("chunker_compress_alloc", _status, (c_int, c_int, _P, c_size_t, POINTER(Buffer))),
    ("chunker_decompress_alloc", _status, (_P, c_size_t, c_uint64, POINTER(Buffer))),
    ("chunker_compressor_new", _status, (c_int, c_int, c_uint32, POINTER(_H))),
    ("chunker_compressor_update", _status, (_H, _P, c_size_t, _P, c_size_t, c_int, POINTER(Step))),
    ("chunker_compressor_reset", _status, (_H,)),
    ("chunker_compressor_free", None, (_H,)),
    ("chunker_decompressor_new", _status, (c_int, c_uint64, POINTER(_H))),
    ("chunker_decompressor_update", _status, (_H, _P, c_size_t, _P, c_size_t, POINTER(Step))),
    ("chunker_decompressor_finish", _status, (_H,)),
    ("chunker_decompressor_reset", _status, (_H,)),
    ("chunker_decompressor_free", None, (_H,)),
    ("chunker_hex_encode", _status, (_P, c_size_t, _P, c_size_t)),
    ("chunker_hex_decode", _status, (_P, c_size_t, _P, c_size_t, POINTER(c_size_t))),
    ("chunker_nix_base32_len", c_size_t, (c_size_t,)),
    ("chunker_nix_base32_encode", _status, (_P, c_size_t, _P, c_size_t)),
    ("chunker_nix_base32_decode", _status, (_P, c_size_t, _P, c_size_t, POINTER(c_size_t))),
    ("chunker_nar_hash_path", _status, (c_char_p, _P, c_size_t, POINTER(c_uint64))),
]:
    _declare(_name, _res, *_args)

# ---- errors ----------------------------------------------------------------------


class ChunkerError(Exception):
    """A failure reported by libchunker. `code` is the stable name ("ERR_OUTPUT_LIMIT", ...)
    shared with the C++ API, the C ABI and the npm package; `message` says what and where."""

    def __init__(self, code, message):
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self):
        return f"{self.code}: {self.message}" if self.message else self.code


class InvalidArgumentError(ChunkerError, ValueError):
    """ERR_INVALID_ARGUMENT: a bad option or parameter (also a ValueError)."""


class OutputLimitError(ChunkerError):
    """ERR_OUTPUT_LIMIT: output would pass max_output (decompression bombs)."""


class CorruptInputError(ChunkerError):
    """ERR_CORRUPT_INPUT, ERR_TRUNCATED_INPUT, ERR_TRAILING_DATA: malformed data."""


class UnsupportedFormatError(ChunkerError):
    """ERR_UNSUPPORTED_FORMAT: not a known format, or not compiled into the library."""


_CLASSES = {
    "ERR_INVALID_ARGUMENT": InvalidArgumentError,
    "ERR_OUTPUT_LIMIT": OutputLimitError,
    "ERR_CORRUPT_INPUT": CorruptInputError,
    "ERR_TRUNCATED_INPUT": CorruptInputError,
    "ERR_TRAILING_DATA": CorruptInputError,
    "ERR_UNSUPPORTED_FORMAT": UnsupportedFormatError,
}


def error(code, message):
    return _CLASSES.get(code, ChunkerError)(code, message)


def invalid(message):
    return InvalidArgumentError("ERR_INVALID_ARGUMENT", message)


def check(status):
    """Raises the ChunkerError for a non-zero chunker_status (message of this thread's last error)."""
    if status:
        name = lib.chunker_status_name(status).decode()
        raise error(name, lib.chunker_last_error().decode(errors="replace"))


def take_buffer(buf):
    """Copies a library-allocated chunker_buffer into bytes and frees it."""
    try:
        return ctypes.string_at(buf.data, buf.len) if buf.len else b""
    finally:
        lib.chunker_buffer_free(byref(buf))


# ---- handles ---------------------------------------------------------------------


class Handle:
    """Base of the objects that own a library handle. The C ABI wants one thread at a
    time per handle and no re-entry from callbacks; breaking that would corrupt
    memory, so every call takes a non-blocking lock and a second concurrent (or
    re-entrant) call raises InvalidArgumentError instead."""

    _kind = "object"
    _free = None  # name of the chunker_*_free function

    def _new_handle(self):
        self._h = c_void_p()
        self._lock = threading.Lock()
        return self._h

    def _using(self):
        return _Using(self)

    def close(self):
        """Frees the library handle now (also done when the object is collected)."""
        h = getattr(self, "_h", None)
        if not h:
            return
        if not self._lock.acquire(False):
            raise invalid(f"{self._kind}.close() while a call on it is running")
        try:
            getattr(lib, self._free)(h)
            self._h = c_void_p()
        finally:
            self._lock.release()

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Using:
    __slots__ = ("o",)

    def __init__(self, o):
        self.o = o

    def __enter__(self):
        o = self.o
        if not o._lock.acquire(False):
            raise invalid(f"{o._kind} is in use by another call (another thread, or a callback of that call)")
        if not o._h:
            o._lock.release()
            raise invalid(f"{o._kind} is closed")
        return o._h

    def __exit__(self, *exc):
        self.o._lock.release()


# ---- borrowing Python buffers --------------------------------------------------


class _PyBuffer(Structure):
    # Py_buffer (Include/pybuffer.h), part of the stable ABI since 3.11.
    _fields_ = [("buf", c_void_p), ("obj", ctypes.py_object), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", c_int), ("ndim", c_int), ("format", c_char_p),
                ("shape", c_void_p), ("strides", c_void_p), ("suboffsets", c_void_p), ("internal", c_void_p)]


_GetBuffer = ctypes.pythonapi.PyObject_GetBuffer
_GetBuffer.argtypes = (ctypes.py_object, POINTER(_PyBuffer), c_int)
_GetBuffer.restype = c_int
_ReleaseBuffer = ctypes.pythonapi.PyBuffer_Release
_ReleaseBuffer.argtypes = (POINTER(_PyBuffer),)
_ReleaseBuffer.restype = None
_PyBUF_SIMPLE = 0  # contiguous bytes, read-only allowed
_PyBUF_WRITABLE = 1


class Borrow:
    """`with Borrow(data, "what") as (ptr, n):` a pointer to the bytes of any
    buffer-protocol object without copying them (bytes, bytearray, memoryview,
    mmap, array, ...). A non-contiguous buffer is copied once. While borrowed,
    a bytearray cannot be resized (the buffer is exported), so the pointer stays
    valid even when the call runs without the GIL."""

    __slots__ = ("obj", "view", "held")

    def __init__(self, data, what="data"):
        if isinstance(data, bytes):
            self.obj, self.view, self.held = data, None, False
            return
        if isinstance(data, str) or not _has_buffer(data):
            raise TypeError(f"{what} must be a bytes-like object (bytes, bytearray, memoryview), "
                            f"not {type(data).__name__}")
        self.obj, self.view, self.held = data, _PyBuffer(), False

    def __enter__(self):
        if self.view is None:
            return self.obj, len(self.obj)
        try:
            _GetBuffer(self.obj, byref(self.view), _PyBUF_SIMPLE)
        except BufferError:
            # Not contiguous (e.g. memoryview(...)[::2]): one copy.
            self.obj, self.view = memoryview(self.obj).tobytes(), None
            return self.obj, len(self.obj)
        self.held = True
        return self.view.buf, self.view.len

    def __exit__(self, *exc):
        if self.held:
            _ReleaseBuffer(byref(self.view))
            self.held = False


class BorrowWritable(Borrow):
    """Borrow for output: a writable, contiguous buffer (readinto's argument)."""

    __slots__ = ()

    def __init__(self, data, what="buffer"):
        if isinstance(data, (bytes, str)) or not _has_buffer(data):
            raise TypeError(f"{what} must be a writable bytes-like object, not {type(data).__name__}")
        self.obj, self.view, self.held = data, _PyBuffer(), False

    def __enter__(self):
        _GetBuffer(self.obj, byref(self.view), _PyBUF_WRITABLE)  # BufferError if read-only / not contiguous
        self.held = True
        return self.view.buf, self.view.len


def address(ptr):
    """The integer address of what Borrow gave (bytes objects are passed as themselves)."""
    if isinstance(ptr, bytes):
        return ctypes.cast(c_char_p(ptr), c_void_p).value or 0
    return ptr or 0


def _has_buffer(obj):
    try:
        memoryview(obj)
    except TypeError:
        return False
    return True


def u32(value, name):
    """An int option that must fit the C uint32_t (ctypes would silently truncate)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= 0xFFFFFFFF:
        raise invalid(f"{name} must be between 0 and 2^32-1, got {value}")
    return value


def u64(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value < 1 << 64:
        raise invalid(f"{name} must be between 0 and 2^64-1, got {value}")
    return value


def cstr(value, name):
    """A str option as NUL-terminated UTF-8 (embedded NULs refused: C would cut there)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    b = value.encode()
    if b"\0" in b:
        raise invalid(f"{name} contains a NUL character")
    return b


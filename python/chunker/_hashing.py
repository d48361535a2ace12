"""BLAKE3 and SHA-256 (hashlib-like objects and one-shot functions), hex and Nix base32."""
import ctypes
from ctypes import byref, c_size_t

from ._lib import Borrow, Handle, check, invalid, lib, u32, u64

_buf = ctypes.create_string_buffer


def _as_context(context):
    if isinstance(context, (bytes, bytearray, memoryview)):
        context = bytes(context)
    elif isinstance(context, str):
        context = context.encode()
    else:
        raise TypeError(f"derive_key_context must be str or bytes, not {type(context).__name__}")
    if b"\0" in context:
        raise invalid("derive_key_context contains a NUL byte (the C API takes a NUL-terminated string)")
    return context


class Blake3(Handle):
    """Incremental BLAKE3, like hashlib's objects: update(), digest(length=32, seek=0),
    hexdigest(). key= (32 bytes) selects keyed_hash mode, derive_key_context= the
    derive_key mode (then update() with the key material). digest() does not end
    the hasher: more update() calls may follow. reset() starts over in the same mode."""

    name = "blake3"
    digest_size = 32
    block_size = 64
    _kind = "Blake3"
    _free = "chunker_blake3_free"

    def __init__(self, data=None, *, key=None, derive_key_context=None, threads=1):
        h = self._new_handle()
        self._threads = u32(threads, "threads")
        if key is not None and derive_key_context is not None:
            raise invalid("blake3: key and derive_key_context are two different modes: give one")
        if key is not None:
            with Borrow(key, "key") as (ptr, n):
                if n != 32:
                    raise invalid(f"blake3: key must be 32 bytes, got {n}")
                check(lib.chunker_blake3_new_keyed(ptr, byref(h)))
        elif derive_key_context is not None:
            check(lib.chunker_blake3_new_derive_key(_as_context(derive_key_context), byref(h)))
        else:
            check(lib.chunker_blake3_new(byref(h)))
        if data is not None:
            self.update(data)

    def update(self, data):
        with self._using() as h, Borrow(data) as (ptr, n):
            if self._threads == 1:
                check(lib.chunker_blake3_update(h, ptr, n))
            else:
                check(lib.chunker_blake3_update_parallel(h, ptr, n, self._threads))
        return self

    def digest(self, length=32, *, seek=0):
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise invalid(f"blake3: length must be an int >= 0, got {length!r}")
        out = _buf(length)
        with self._using() as h:
            if seek:
                check(lib.chunker_blake3_finalize_seek(h, u64(seek, "seek"), out, length))
            else:
                check(lib.chunker_blake3_finalize(h, out, length))
        return out.raw

    def hexdigest(self, length=32, *, seek=0):
        return self.digest(length, seek=seek).hex()

    def reset(self):
        with self._using() as h:
            check(lib.chunker_blake3_reset(h))
        return self


def blake3(data, *, key=None, derive_key_context=None, length=32, threads=1):
    """BLAKE3 of a bytes-like object: hash, keyed hash (key=32 bytes) or derive_key
    (derive_key_context=...), `length` output bytes (any length). Runs without the GIL;
    threads > 1 (0 = all) hashes large inputs on that many threads."""
    if key is None and derive_key_context is None and length == 32 and threads == 1:
        out = _buf(32)
        with Borrow(data) as (ptr, n):
            check(lib.chunker_blake3_hash(ptr, n, out))
        return out.raw
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise invalid(f"blake3: length must be an int >= 0, got {length!r}")
    with Blake3(key=key, derive_key_context=derive_key_context, threads=threads) as h:
        return h.update(data).digest(length)


class Sha256(Handle):
    """Incremental SHA-256 (SHA-NI / ARMv8 SHA2 when the CPU has them): update(),
    digest(), hexdigest(), reset(); digest() does not end the hasher."""

    name = "sha256"
    digest_size = 32
    block_size = 64
    _kind = "Sha256"
    _free = "chunker_sha256_free"

    def __init__(self, data=None):
        check(lib.chunker_sha256_new(byref(self._new_handle())))
        if data is not None:
            self.update(data)

    def update(self, data):
        with self._using() as h, Borrow(data) as (ptr, n):
            check(lib.chunker_sha256_update(h, ptr, n))
        return self

    def digest(self):
        out = _buf(32)
        with self._using() as h:
            check(lib.chunker_sha256_finalize(h, out))
        return out.raw

    def hexdigest(self):
        return self.digest().hex()

    def reset(self):
        with self._using() as h:
            check(lib.chunker_sha256_reset(h))
        return self


def sha256(data):
    """SHA-256 digest (32 bytes) of a bytes-like object."""
    out = _buf(32)
    with Borrow(data) as (ptr, n):
        check(lib.chunker_sha256_hash(ptr, n, out))
    return out.raw


# ---- encodings -------------------------------------------------------------------


def _text(text, what):
    if isinstance(text, str):
        try:
            return text.encode("ascii")
        except UnicodeEncodeError:
            raise invalid(f"{what}: not ASCII text") from None
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text)
    raise TypeError(f"{what} takes str or bytes, not {type(text).__name__}")


def hex_encode(data):
    """Lower-case hex (str)."""
    with Borrow(data) as (ptr, n):
        out = _buf(2 * n + 1)
        check(lib.chunker_hex_encode(ptr, n, out, 2 * n + 1))
    return out.value.decode()


def hex_decode(text):
    """Hex (either case, even length) -> bytes; ERR_INVALID_ARGUMENT names a bad position."""
    t = _text(text, "hex_decode")
    out, written = _buf(len(t) // 2 + 1), c_size_t()
    check(lib.chunker_hex_decode(t, len(t), out, len(out), byref(written)))
    return out.raw[:written.value]


def nix_base32_encode(data):
    """Nix's base32 (as `nix-hash --to-base32`), e.g. 52 characters for a SHA-256 digest."""
    with Borrow(data) as (ptr, n):
        cap = lib.chunker_nix_base32_len(n) + 1
        out = _buf(cap)
        check(lib.chunker_nix_base32_encode(ptr, n, out, cap))
    return out.value.decode()


def nix_base32_decode(text):
    """Nix base32 -> bytes; strict (bad characters, impossible lengths, stray bits:
    ERR_INVALID_ARGUMENT)."""
    t = _text(text, "nix_base32_decode")
    out, written = _buf(len(t) * 5 // 8 + 1), c_size_t()
    check(lib.chunker_nix_base32_decode(t, len(t), out, len(out), byref(written)))
    return out.raw[:written.value]

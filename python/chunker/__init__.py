"""chunker: FastCDC chunking, BLAKE3 / SHA-256, zstd / lz4 / xz / bzip2 and Nix NAR
hashes from libchunker's C ABI (<chunker.h>), through ctypes.

    import chunker
    for c in chunker.chunk_file("big.iso", avg=65536, hash="blake3"):
        print(c.offset, c.length, c.hash.hex())

The library is found through $CHUNKER_LIBRARY (path to libchunker.so), then next to
this package, then a source checkout's build/native, then ctypes.util.find_library.
Long calls run without the GIL. Errors are ChunkerError with a stable .code.
"""
from ._chunking import Chunk, Chunker, chunk, chunk_file
from ._codecs import (CompressWriter, Compressor, DecompressReader, Decompressor, NarHash, compress, decompress,
                      nar_hash)
from ._hashing import (Blake3, Sha256, blake3, hex_decode, hex_encode, nix_base32_decode, nix_base32_encode,
                       sha256)
from ._lib import (LIBRARY_PATH, ChunkerError, CorruptInputError, InvalidArgumentError, OutputLimitError,
                   UnsupportedFormatError, lib as _lib)

__version__ = _lib.chunker_version().decode()

__all__ = [
    "Chunk", "Chunker", "chunk", "chunk_file",
    "Blake3", "Sha256", "blake3", "sha256",
    "Compressor", "Decompressor", "compress", "decompress", "CompressWriter", "DecompressReader",
    "hex_encode", "hex_decode", "nix_base32_encode", "nix_base32_decode",
    "NarHash", "nar_hash",
    "ChunkerError", "InvalidArgumentError", "OutputLimitError", "CorruptInputError", "UnsupportedFormatError",
    "LIBRARY_PATH",
]

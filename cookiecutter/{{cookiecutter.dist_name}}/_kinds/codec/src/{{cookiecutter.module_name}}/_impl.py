"""Implementation of the ``{{ cookiecutter.__spec_name }}`` codec, imported on first use.

The registry instantiates the class once, with no arguments, and shares the instance
between threads: keep it stateless.
"""

from __future__ import annotations

import zlib
from typing import Any

from deeplake_core.codecs.base import ByteCodec
from deeplake_core.exceptions import SampleDecompressionError


class {{ cookiecutter.__class_name }}Codec(ByteCodec):
    """zlib streams: lossless, and refused (never silently wrong) when corrupted."""

    #: zlib compression level, 1 (fastest) to 9 (smallest).
    level: int = 6
    #: Largest decompressed size accepted, in bytes (decompression-bomb guard).
    max_decoded_bytes: int = 1 << 31

    def compress(self, data: bytes | memoryview, config: Any = None) -> bytes:
        return zlib.compress(data, self.level)

    def decompress(self, data: bytes | memoryview, config: Any = None) -> bytes:
        decoder = zlib.decompressobj()
        try:
            out = decoder.decompress(data, self.max_decoded_bytes + 1)
        except zlib.error as exc:  # bad header, bad block or adler32 mismatch
            raise SampleDecompressionError() from exc
        if len(out) > self.max_decoded_bytes:
            raise SampleDecompressionError()
        # A truncated stream never reaches its end; bytes after the end are not ours.
        if not decoder.eof or decoder.unused_data:
            raise SampleDecompressionError()
        return out

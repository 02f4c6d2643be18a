"""The built-in ``lz4`` byte codec (LZ4 frame format with a content checksum)."""

from __future__ import annotations

from typing import Any

from deeplake_core.codecs.base import ByteCodec
from deeplake_core.exceptions import SampleDecompressionError

#: Largest decompressed size accepted (decompression-bomb guard), in bytes.
MAX_DECODED_BYTES = 1 << 33


class LZ4Codec(ByteCodec):
    """LZ4 frames: fast, lossless, self-checking.

    Frames carry the content size and an xxHash32 content checksum, so a corrupted or
    truncated input is refused rather than decoded into wrong bytes.
    """

    max_decoded_bytes: int = MAX_DECODED_BYTES

    def compress(self, data: bytes | memoryview, config: Any = None) -> bytes:
        import lz4.frame

        return lz4.frame.compress(
            data,
            compression_level=_level(config),
            store_size=True,
            content_checksum=True,
        )

    def decompress(self, data: bytes | memoryview, config: Any = None) -> bytes:
        import lz4.frame

        try:
            info = lz4.frame.get_frame_info(data)
        except (RuntimeError, ValueError, TypeError) as exc:
            raise SampleDecompressionError() from exc
        size = info.get("content_size") or 0
        if size > self.max_decoded_bytes:
            raise SampleDecompressionError()
        try:
            out = lz4.frame.decompress(data)
        except (RuntimeError, ValueError, TypeError, MemoryError) as exc:
            raise SampleDecompressionError() from exc
        if not info.get("content_checksum") or len(out) != size:
            # Frames this codec writes always carry both; anything else is not ours.
            raise SampleDecompressionError()
        return out


def _level(config: Any) -> int:
    if config is None:
        return 0
    level = config.get("level", 0) if isinstance(config, dict) else getattr(config, "level", 0)
    return int(level)

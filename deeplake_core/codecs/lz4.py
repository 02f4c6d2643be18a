"""The built-in ``lz4`` byte codec (LZ4 frame format with a content checksum).

Decompression-bomb guard: a frame is refused before anything is decoded when the declared
content size is more than LZ4 can produce from the input's length (corrupt or
hostile) or exceeds the limit, and decoding never produces more than the declared size
(a frame without a size must be empty). The limit defaults to 2 GiB; raise it with the
``DEEPLAKE_CORE_LZ4_MAX_BYTES`` environment variable, :func:`set_max_decoded_bytes`
(per process) or ``codec.max_decoded_bytes = n`` (per instance).
"""

from __future__ import annotations

from typing import Any

from deeplake_core.codecs.base import ByteCodec
from deeplake_core.codecs.limits import DecodeLimit
from deeplake_core.exceptions import DecompressionBombError, SampleDecompressionError

#: Default largest decompressed size accepted, in bytes.
MAX_DECODED_BYTES = 1 << 31
#: Environment variable overriding :data:`MAX_DECODED_BYTES`.
ENV_MAX_BYTES = "DEEPLAKE_CORE_LZ4_MAX_BYTES"
#: LZ4 turns one input byte into at most ~255 output bytes; declared sizes beyond this
#: ratio (plus frame overhead) cannot be genuine.
_MAX_RATIO = 256
_FRAME_SLACK = 1024
#: Bit of the frame descriptor's FLG byte saying the content size is stored.
_FLG_CONTENT_SIZE = 0x08
_MAGIC = b"\x04\x22\x4d\x18"

_limit = DecodeLimit(ENV_MAX_BYTES, MAX_DECODED_BYTES)


def set_max_decoded_bytes(value: int | None) -> None:
    """Set the largest size an lz4 frame may decode to in this process (``None``: back
    to ``$DEEPLAKE_CORE_LZ4_MAX_BYTES`` or the 2 GiB default)."""
    _limit.set(value)


def max_decoded_bytes() -> int:
    """The current process-wide lz4 decode limit in bytes."""
    return _limit.get()


class LZ4Codec(ByteCodec):
    """LZ4 frames: fast, lossless, self-checking.

    Frames carry the content size and an xxHash32 content checksum, so a corrupted or
    truncated input is refused rather than decoded into wrong bytes.
    """

    _own_limit: int | None = None

    @property
    def max_decoded_bytes(self) -> int:
        """Decode limit of this instance (the process-wide limit unless set)."""
        return self._own_limit if self._own_limit is not None else _limit.get()

    @max_decoded_bytes.setter
    def max_decoded_bytes(self, value: int | None) -> None:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ValueError(f"the lz4 decode limit is a positive int or None, got {value!r}")
        self._own_limit = value

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

        data = memoryview(data).cast("B")
        if data.nbytes < 7 or bytes(data[:4]) != _MAGIC:
            raise SampleDecompressionError()
        try:
            info = lz4.frame.get_frame_info(data)
        except (RuntimeError, ValueError, TypeError) as exc:
            raise SampleDecompressionError() from exc
        # Frames this codec writes carry their size (lz4 omits a size of 0) and a checksum.
        size = int(info.get("content_size") or 0) if data[4] & _FLG_CONTENT_SIZE else 0
        if not info.get("content_checksum"):
            raise SampleDecompressionError()
        if size > _MAX_RATIO * data.nbytes + _FRAME_SLACK:
            raise SampleDecompressionError()
        limit = self.max_decoded_bytes
        if size > limit:
            raise DecompressionBombError(
                size,
                limit,
                "bytes",
                how_to_raise=f"the {ENV_MAX_BYTES} variable or "
                "deeplake_core.codecs.lz4.set_max_decoded_bytes",
            )
        try:
            dec = lz4.frame.LZ4FrameDecompressor()
            out = dec.decompress(data, max_length=size + 1)
        except (RuntimeError, ValueError, TypeError, MemoryError) as exc:
            raise SampleDecompressionError() from exc
        if len(out) != size or not dec.eof or dec.unused_data:
            raise SampleDecompressionError()
        return out


def _level(config: Any) -> int:
    if config is None:
        return 0
    level = config.get("level", 0) if isinstance(config, dict) else getattr(config, "level", 0)
    return int(level)

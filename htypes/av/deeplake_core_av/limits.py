"""Decode limit that protects against decompression bombs in video and audio files.

A decode is refused before any frame is decoded when the selection it would produce
(frames x height x width x channels bytes for video, samples x channels x 8 bytes for
audio) is larger than ``max_bytes``, computed from the container's headers and packet
index. Decoding also stops with an error as soon as a file yields more frames or
samples than its headers announced. Slicing frames (``ds.videos[0, 5:10]``) counts
only the frames selected, so long videos can still be read a piece at a time.

Default 2 GiB; override with ``DEEPLAKE_CORE_AV_MAX_BYTES`` or :func:`set_max_bytes`
(``None`` restores the default).
"""

from __future__ import annotations

from deeplake_core.codecs.limits import DecodeLimit
from deeplake_core.exceptions import DecompressionBombError

DEFAULT_MAX_BYTES = 1 << 31
ENV = "DEEPLAKE_CORE_AV_MAX_BYTES"

_max_bytes = DecodeLimit(ENV, DEFAULT_MAX_BYTES)


def max_bytes() -> int:
    """Largest decoded size in bytes of one decode."""
    return _max_bytes.get()


def set_max_bytes(value: int | None) -> None:
    """Set the limit for this process (``None``: back to the environment or default)."""
    _max_bytes.set(value)


def check(nbytes: int, what: str) -> None:
    """Raise :class:`DecompressionBombError` if decoding ``nbytes`` is over the limit."""
    limit = max_bytes()
    if nbytes > limit:
        exc = DecompressionBombError(nbytes, limit, "bytes")
        exc.args = (
            f"Decoding this {what} would produce {nbytes} bytes, over the limit of {limit}; "
            "this protects against decompression bombs. Read fewer frames at a time "
            "(ds.videos[i, start:stop]), or if the file is trusted raise the limit with "
            f"deeplake_core_av.limits.set_max_bytes(...) or the {ENV} variable.",
        )
        raise exc

"""Decode limits that protect against decompression bombs.

An image is refused before any pixel is decoded when its header announces more than
``max_pixels`` pixels or more than ``max_bytes`` decoded bytes. Defaults: 2**26 pixels
(8192 x 8192) and 2 GiB; override with the ``DEEPLAKE_CORE_IMAGE_MAX_PIXELS`` /
``DEEPLAKE_CORE_IMAGE_MAX_BYTES`` environment variables or :func:`set_max_pixels` /
:func:`set_max_bytes` (``None`` restores the default).
"""

from __future__ import annotations

from deeplake_core.codecs.limits import DecodeLimit
from deeplake_core.exceptions import DecompressionBombError

DEFAULT_MAX_PIXELS = 1 << 26
DEFAULT_MAX_BYTES = 1 << 31

_max_pixels = DecodeLimit("DEEPLAKE_CORE_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS)
_max_bytes = DecodeLimit("DEEPLAKE_CORE_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_pixels() -> int:
    """Largest number of pixels (width x height x frames) an image may decode to."""
    return _max_pixels.get()


def max_bytes() -> int:
    """Largest decoded size in bytes."""
    return _max_bytes.get()


def set_max_pixels(value: int | None) -> None:
    """Set the pixel limit for this process (``None``: back to env/default)."""
    _max_pixels.set(value)


def set_max_bytes(value: int | None) -> None:
    """Set the decoded-bytes limit for this process (``None``: back to env/default)."""
    _max_bytes.set(value)


def check(shape: tuple[int, ...], itemsize: int, path: str | None = None) -> None:
    """Raise :class:`DecompressionBombError` if ``shape`` exceeds the limits."""
    pixels = 1
    for d in shape[:2] if len(shape) < 4 else shape[:3]:
        pixels *= int(d)
    limit = max_pixels()
    if pixels > limit:
        raise DecompressionBombError(pixels, limit, "pixels", path)
    nbytes = itemsize
    for d in shape:
        nbytes *= int(d)
    blimit = max_bytes()
    if nbytes > blimit:
        raise DecompressionBombError(nbytes, blimit, "bytes", path)

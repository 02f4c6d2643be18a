"""Decode limit that protects against decompression bombs in DICOM and NIfTI files.

A file is refused before its voxels are decoded when its header announces more than
``max_bytes`` decoded bytes. Default 2 GiB; override with the
``DEEPLAKE_CORE_MEDICAL_MAX_BYTES`` environment variable or :func:`set_max_bytes`
(``None`` restores the default).
"""

from __future__ import annotations

import math

from deeplake_core.codecs.limits import DecodeLimit
from deeplake_core.exceptions import DecompressionBombError

DEFAULT_MAX_BYTES = 1 << 31
ENV_VAR = "DEEPLAKE_CORE_MEDICAL_MAX_BYTES"
_HOW = f"deeplake_core_medical.limits.set_max_bytes, or the {ENV_VAR} variable"
_max_bytes = DecodeLimit(ENV_VAR, DEFAULT_MAX_BYTES)


def max_bytes() -> int:
    """Largest decoded size, in bytes, of one DICOM or NIfTI sample."""
    return _max_bytes.get()


def set_max_bytes(value: int | None) -> None:
    """Set the limit for this process (``None``: back to the variable or the default)."""
    _max_bytes.set(value)


def check(shape: tuple[int, ...], itemsize: int) -> None:
    """Raise :class:`DecompressionBombError` if ``shape`` decodes to too many bytes."""
    nbytes = math.prod(int(d) for d in shape) * int(itemsize)
    limit = max_bytes()
    if nbytes > limit:
        raise DecompressionBombError(nbytes, limit, "bytes", how_to_raise=_HOW)

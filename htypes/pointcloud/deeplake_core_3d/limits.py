"""Decode limits that protect against oversized point clouds and meshes.

A file is refused before it is decoded when its header announces more than
``max_bytes`` decoded bytes (default 2 GiB; ``DEEPLAKE_CORE_3D_MAX_BYTES`` or
:func:`set_max_bytes`). Headers are also checked against the file's size, so a
declared count cannot exceed what the bytes can hold.

Meshes with at most ``max_info_faces`` faces (default 65,536;
``DEEPLAKE_CORE_3D_MAX_INFO_FACES`` or :func:`set_max_info_faces`) keep their faces in
``sample_info``; larger ones are read with :func:`deeplake_core_3d.load_mesh`.
"""

from __future__ import annotations

import math

from deeplake_core.codecs.limits import DecodeLimit
from deeplake_core.exceptions import DecompressionBombError

DEFAULT_MAX_BYTES = 1 << 31
DEFAULT_MAX_INFO_FACES = 1 << 16
BYTES_VAR = "DEEPLAKE_CORE_3D_MAX_BYTES"
FACES_VAR = "DEEPLAKE_CORE_3D_MAX_INFO_FACES"
_HOW = f"deeplake_core_3d.limits.set_max_bytes, or the {BYTES_VAR} variable"
_max_bytes = DecodeLimit(BYTES_VAR, DEFAULT_MAX_BYTES)
_max_info_faces = DecodeLimit(FACES_VAR, DEFAULT_MAX_INFO_FACES, minimum=0)


def max_bytes() -> int:
    """Largest decoded size, in bytes, of one point cloud or mesh."""
    return _max_bytes.get()


def set_max_bytes(value: int | None) -> None:
    """Set the decoded-size limit for this process (``None``: variable or default)."""
    _max_bytes.set(value)


def max_info_faces() -> int:
    """Largest face count whose faces are kept in a mesh's ``sample_info``."""
    return _max_info_faces.get()


def set_max_info_faces(value: int | None) -> None:
    """Set the face count limit of ``sample_info`` (0 keeps no faces; ``None``: default)."""
    _max_info_faces.set(value)


def check(shape: tuple[int, ...], itemsize: int) -> None:
    """Raise :class:`DecompressionBombError` if ``shape`` decodes to too many bytes."""
    nbytes = math.prod(int(d) for d in shape) * int(itemsize)
    limit = max_bytes()
    if nbytes > limit:
        raise DecompressionBombError(nbytes, limit, "bytes", how_to_raise=_HOW)

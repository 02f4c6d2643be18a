"""Interfaces for codecs (compressions).

A :class:`~deeplake_core.plugins.specs.CodecSpec` names, through ``impl``, a class
implementing one of these. The registry instantiates it once with no arguments
(configuration, when a codec has any, is passed per call as a validated model).

* :class:`ByteCodec` compresses opaque bytes (``lz4``, ``zstd``); it can serve as a
  sample compression (each sample's bytes) or a chunk compression (a whole chunk).
* :class:`ArrayCodec` turns arrays into a file format and back (``png``, ``jpeg``,
  ``mp4`` ...). It can also report a file's shape and dtype without a full decode, so
  that appending an already-compressed file stores its bytes as given.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np


class ByteCodec(ABC):
    """Bytes -> bytes, lossless."""

    @abstractmethod
    def compress(self, data: bytes | memoryview, config: Any = None) -> bytes: ...

    @abstractmethod
    def decompress(self, data: bytes | memoryview, config: Any = None) -> bytes:
        """Invert :meth:`compress`; raise ``deeplake_core.exceptions.SampleDecompressionError``
        (or ``CorruptChunkError`` for chunks, raised by the caller) on bad input."""


class ArrayCodec(ABC):
    """Array <-> encoded file bytes for one media format."""

    #: Largest decoded size in bytes accepted by default (decompression-bomb guard).
    max_decoded_bytes: int = 1 << 31
    #: False: a file in this format is stored whole as given however large, never
    #: decoded and re-encoded tile by tile (video and audio cannot be re-encoded).
    tileable: bool = True

    @abstractmethod
    def encode(self, array: np.ndarray, config: Any = None) -> bytes:
        """Encode an array; raise ``SampleCompressionError`` if the array cannot be."""

    @abstractmethod
    def decode(self, data: bytes | memoryview, config: Any = None) -> np.ndarray:
        """Decode bytes into an array; raise ``SampleDecompressionError`` on bad input."""

    def read_shape_dtype(self, data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype]:
        """Shape and dtype of the decoded array, from headers where possible."""
        arr = self.decode(data)
        return arr.shape, arr.dtype

    def sample_info(self, data: bytes | memoryview) -> dict[str, Any]:
        """Per-sample metadata kept beside the sample (exif, fps, duration ...)."""
        return {}

    def verify(self, data: bytes | memoryview) -> None:
        """Raise ``CorruptedSampleError`` if the bytes are not a valid file of this format."""
        self.decode(data)

    def decode_partial(self, data: bytes | memoryview, subindex: tuple) -> np.ndarray:
        """``decode(data)[subindex]``, decoding only what ``subindex`` selects where the
        format allows it (video: seek to the keyframe before the first selected frame).

        ``subindex`` holds one int, slice or index array per sample axis, from the
        first. Readers call this instead of ``decode`` when a view indexes inside a
        sample and the codec overrides it (:func:`has_partial_decode`); this default
        decodes everything and slices.
        """
        return self.decode(data)[tuple(subindex)]

    def timestamps(self, data: bytes | memoryview) -> np.ndarray | None:
        """Presentation time in seconds of each entry of the first axis (video frames),
        or None for formats without a time axis."""
        return None


def verify_by_decoding(codec: ArrayCodec, data: bytes | memoryview) -> None:
    """A ``verify`` for codecs whose check is a full decode: a decode failure becomes
    ``CorruptedSampleError(codec.name)``; a ``DecompressionBombError`` is raised as is."""
    from deeplake_core.exceptions import (
        CorruptedSampleError,
        DecompressionBombError,
        SampleDecompressionError,
    )

    try:
        codec.decode(data)
    except DecompressionBombError:
        raise
    except SampleDecompressionError as exc:
        raise CorruptedSampleError(getattr(codec, "name", None)) from exc


def has_partial_decode(codec: object) -> bool:
    """Whether ``codec`` decodes parts of a sample cheaper than decoding it whole."""
    return (
        isinstance(codec, ArrayCodec)
        and type(codec).decode_partial is not ArrayCodec.decode_partial
    )

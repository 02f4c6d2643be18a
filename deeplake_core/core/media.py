"""Reads that media codecs can make cheaper than a full decode.

* :func:`read_partial`: a sample viewed with an in-sample index (``ds.videos[0, 5:10]``)
  is decoded with the codec's ``decode_partial`` when the codec overrides it (a video
  codec seeks to the keyframe before frame 5 and decodes frames 5..9), instead of
  decoding the whole sample and slicing.
* :func:`timestamps`: presentation times of the frames of sample-compressed videos.

Both work on the stored file bytes, so they apply only to sample-compressed tensors
whose samples are stored whole (media files are never tiled).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from deeplake_core.codecs.base import ArrayCodec, has_partial_decode
from deeplake_core.exceptions import CorruptChunkError, InvalidOperationError


def _file_codec(engine: Any) -> ArrayCodec | None:
    """The tensor's sample codec when samples are stored as whole files, else None."""
    comp = engine.meta.sample_compression
    if not comp or engine.meta.chunk_compression:
        return None
    codec = engine.codec
    return codec if isinstance(codec, ArrayCodec) and not codec.tileable else None


def _decode_shape(shape: tuple[int, ...], first: tuple[Any, ...]) -> tuple[int, ...]:
    view = np.broadcast_to(np.empty((), np.uint8), shape)
    return tuple(view[first].shape)


def read_partial(engine: Any, rows: Any, subs: tuple[tuple[Any, ...], ...]) -> list | None:
    """Samples ``rows`` with the in-sample index chain ``subs`` applied, decoding only
    what ``subs[0]`` selects; None when the codec has no cheaper partial decode (the
    caller then reads whole samples)."""
    if not subs:
        return None
    codec = _file_codec(engine)
    if codec is None or not has_partial_decode(codec):
        return None
    rows = [int(r) for r in np.asarray(rows).reshape(-1)]
    shapes = engine.shapes(rows)
    out = []
    for r, shape in zip(rows, shapes, strict=True):
        first = subs[0]
        stored = tuple(int(d) for d in shape)
        if 0 in stored:
            arr = np.zeros(stored, engine.dtype or np.float64)[first]
        else:
            arr = codec.decode_partial(engine.read_bytes(r), first)
            expected = _decode_shape(stored, first)
            if tuple(arr.shape) != expected:
                raise CorruptChunkError(
                    f"a {engine.meta.sample_compression} sample decoded to shape {arr.shape}, "
                    f"the index records {expected}; the sample or the index is corrupted"
                )
            arr = arr.astype(engine.dtype, copy=False)
        for s in subs[1:]:
            arr = arr[s if len(s) != 1 else s[0]]
        out.append(arr)
    return out


def timestamps(engine: Any, rows: Any) -> list[np.ndarray] | None:
    """Frame times in seconds (float32) of each sample of ``rows``; None when the
    tensor's samples carry no timing (raw arrays, or a format without a time axis)."""
    codec = _file_codec(engine)
    if codec is None:
        return None
    out = []
    for r in np.asarray(rows).reshape(-1).tolist():
        if engine.shapes([r])[0][0] == 0:
            out.append(np.zeros(0, np.float32))
            continue
        stamps = codec.timestamps(engine.read_bytes(int(r)))
        if stamps is None:
            return None
        out.append(np.asarray(stamps, dtype=np.float32))
    return out


def frame_times(stamps: np.ndarray, subs: tuple[tuple[Any, ...], ...]) -> Any:
    """The timestamps of the frames an in-sample index chain selects (its entries on
    the frame axis, while that axis is still there)."""
    t: Any = stamps
    for s in subs:
        if np.ndim(t) == 0 or not s:
            break
        t = t[s[0]]
    return t


class LazyExtras(Mapping):
    """``data()`` extras computed on first access, so htypes that do not use one
    (timestamps for non-video tensors) never pay for it."""

    def __init__(self, **getters: Callable[[], Any]):
        self._getters = getters
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            self._values[key] = self._getters[key]()
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._getters)

    def __len__(self) -> int:
        return len(self._getters)


def unsupported(method: str, why: str) -> InvalidOperationError:
    """An :class:`InvalidOperationError` for a media-only tensor method."""
    exc = InvalidOperationError(method, "tensor")
    exc.args = (why,)
    return exc

"""Behaviour of the image htypes: a compression choice is required, and
``image.rgb`` / ``image.gray`` convert samples to three channels / one channel.

Conversions follow Pillow (``convert("RGB")`` / ``convert("L")``, ITU-R 601-2 luma
for grey). A ``deeplake.read`` file that already has the wanted layout (known from its
header) is passed through untouched, so its bytes are still stored as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from deeplake_core.exceptions import InvalidImageDimensions, SampleHtypeMismatchError
from deeplake_core.htype.base import HtypeBehavior
from deeplake_core.htype.samples import is_encoded_sample, is_partial_sample, known_shape


class ImageBehavior(HtypeBehavior):
    """``image``: ``(H, W)`` or ``(H, W, C)`` samples; compression must be chosen."""

    compression_required = True


def _to_array(sample: Any) -> np.ndarray:
    if is_encoded_sample(sample) or (
        not isinstance(sample, (np.ndarray, list, tuple)) and hasattr(sample, "array")
    ):
        return np.asarray(sample.array)
    return np.asarray(sample)


def to_rgb(arr: np.ndarray) -> np.ndarray:
    """``(H, W)``, ``(H, W, 1)``, ``(H, W, 2)`` or ``(H, W, 4)`` -> ``(H, W, 3)``."""
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3:
        raise InvalidImageDimensions(arr.ndim, 3)
    c = arr.shape[2]
    if c == 3:
        return arr
    if c in (1, 2):
        return np.repeat(arr[:, :, :1], 3, axis=2)
    if c == 4:
        return np.ascontiguousarray(arr[:, :, :3])
    raise InvalidImageDimensions(arr.ndim, 3)


def to_gray(arr: np.ndarray) -> np.ndarray:
    """``(H, W, C)`` -> ``(H, W)`` with ITU-R 601-2 luma (as Pillow's ``convert("L")``)."""
    if arr.ndim == 2:
        return arr
    if arr.ndim != 3:
        raise InvalidImageDimensions(arr.ndim, 2)
    c = arr.shape[2]
    if c in (1, 2):
        return np.ascontiguousarray(arr[:, :, 0])
    if c not in (3, 4):
        raise InvalidImageDimensions(arr.ndim, 2)
    rgb = arr[:, :, :3].astype(np.float64)
    luma = rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114
    if arr.dtype.kind in "ui":
        return np.rint(luma).astype(arr.dtype)
    return luma.astype(arr.dtype)


class _ConvertingBehavior(ImageBehavior):
    #: Layout kept as-is: ``(ndim, channels)``; channels None for 2-D.
    keep: tuple[int, int | None] = (3, 3)
    #: The conversion applied to samples that do not have that layout.
    convert = staticmethod(to_rgb)

    def _fits(self, shape: tuple[int, ...] | None) -> bool:
        if shape is None:
            return False
        ndim, channels = self.keep
        return len(shape) == ndim and (channels is None or shape[-1] == channels)

    def _one(self, sample: Any) -> Any:
        if sample is None or is_partial_sample(sample):
            return sample
        if is_encoded_sample(sample) and self._fits(known_shape(sample)):
            return sample
        if isinstance(sample, (str, bytes, dict)):
            return sample  # refused by the generic checks with the usual message
        arr = _to_array(sample)
        if arr.dtype.kind not in "uifb":
            raise SampleHtypeMismatchError("image", type(sample))
        return self.convert(arr)

    def prepare(
        self, cfg: Any, samples: Any, info: Mapping[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        if isinstance(samples, np.ndarray) and samples.dtype != object:
            if self._fits(samples.shape[1:]):
                return samples, {}
            return [self.convert(s) for s in samples], {}
        return [self._one(s) for s in samples], {}


class RGBImageBehavior(_ConvertingBehavior):
    """``image.rgb``: grey (and RGBA) samples become ``(H, W, 3)``."""

    keep = (3, 3)
    convert = staticmethod(to_rgb)


class GrayImageBehavior(_ConvertingBehavior):
    """``image.gray``: colour samples become ``(H, W)``."""

    keep = (2, None)
    convert = staticmethod(to_gray)

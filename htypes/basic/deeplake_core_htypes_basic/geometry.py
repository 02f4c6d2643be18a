"""Behaviours of ``bbox.3d``, ``intrinsics`` and ``keypoints_coco``: shape rules that
depend on more than the last axis."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from deeplake_core.exceptions import TensorInvalidSampleShapeError
from deeplake_core.htype import HtypeBehavior, TensorConfig


def _shape_error(shape: tuple[int, ...], message: str) -> TensorInvalidSampleShapeError:
    exc = TensorInvalidSampleShapeError(shape, len(shape))
    exc.args = (message,)
    return exc


def _sample_shape(array: np.ndarray, batched: bool) -> tuple[int, ...]:
    return tuple(array.shape[1:] if batched else array.shape)


class BBox3DBehavior(HtypeBehavior):
    """``coords.mode`` "center": ``(# boxes, 9)``; "vertex": ``(# boxes, 8, 3)``;
    unset: either."""

    def check_array(
        self, cfg: TensorConfig, array: np.ndarray, batched: bool, info: Mapping[str, Any]
    ) -> None:
        shape = _sample_shape(array, batched)
        coords = info.get("coords", cfg.info.get("coords")) or {}
        mode = coords.get("mode") if isinstance(coords, Mapping) else None
        center = len(shape) == 2 and (shape[1] == 9 or shape[0] == 0)
        vertex = len(shape) == 3 and (shape[1:] == (8, 3) or shape[0] == 0)
        if mode == "center" and not center:
            expected = "(# boxes, 9) in center mode"
        elif mode == "vertex" and not vertex:
            expected = "(# boxes, 8, 3) in vertex mode"
        elif mode not in ("center", "vertex") and not (center or vertex):
            expected = "(# boxes, 9) (center mode) or (# boxes, 8, 3) (vertex mode)"
        else:
            return
        raise _shape_error(shape, f"3-D box samples have shape {expected}; got {shape}.")


class IntrinsicsBehavior(HtypeBehavior):
    """A sample is one ``(3, 3)`` matrix or a stack ``(# matrices, 3, 3)``."""

    def check_array(
        self, cfg: TensorConfig, array: np.ndarray, batched: bool, info: Mapping[str, Any]
    ) -> None:
        shape = _sample_shape(array, batched)
        if shape[-2:] != (3, 3) and not (len(shape) == 3 and shape[0] == 0):
            raise _shape_error(
                shape,
                f"Intrinsics samples have shape (3, 3) or (# matrices, 3, 3); got {shape}.",
            )


class KeypointsCocoBehavior(HtypeBehavior):
    """The first axis holds ``x, y, v`` per keypoint, so its size is a multiple of 3."""

    def check_array(
        self, cfg: TensorConfig, array: np.ndarray, batched: bool, info: Mapping[str, Any]
    ) -> None:
        shape = _sample_shape(array, batched)
        if shape[0] % 3:
            raise _shape_error(
                shape,
                "keypoints_coco samples have shape (3 x # keypoints, # objects): each "
                f"keypoint is x, y, visibility; got {shape}, whose first axis is not a "
                "multiple of 3.",
            )

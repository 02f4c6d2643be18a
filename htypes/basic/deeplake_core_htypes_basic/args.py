"""Pydantic models validating the creation arguments of the basic htypes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, StrictStr


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClassNamesArgs(_Args):
    """``class_label`` and ``segment_mask``: names that label indices refer to."""

    class_names: list[StrictStr] = []


class Coords2D(_Args):
    """Units and convention of 2-D box coordinates."""

    #: "pixel" or "fractional" (relative to the image's width and height).
    type: Literal["pixel", "fractional"] | None = None
    #: LTRB: left, top, right, bottom; LTWH: left, top, width, height;
    #: CCWH: center x, center y, width, height.
    mode: Literal["LTRB", "LTWH", "CCWH"] | None = None


class BBoxArgs(_Args):
    coords: Coords2D = Coords2D()


class Coords3D(_Args):
    #: center: 9 values per box (center xyz, size xyz, rotation xyz in degrees);
    #: vertex: the 8 corners, (8, 3) per box.
    mode: Literal["center", "vertex"] | None = None


class BBox3DArgs(_Args):
    coords: Coords3D = Coords3D()


Pair = Annotated[list[NonNegativeInt], Field(min_length=2, max_length=2)]


class KeypointsArgs(_Args):
    """``keypoints_coco``: the keypoints' names and which pairs the viewer joins."""

    keypoints: list[StrictStr] = []
    connections: list[Pair] = []

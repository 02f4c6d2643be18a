"""Behaviour of the video and audio htypes: a compression choice is required (``None``
stores raw arrays), and ``data()`` of a video gives frames, timestamps and sample info."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deeplake_core.htype.base import HtypeBehavior


class VideoBehavior(HtypeBehavior):
    """``video``: ``(frames, H, W, C)`` or ``(frames, H, W)`` samples."""

    compression_required = True

    def data(
        self, cfg: Any, value: Any, info: Mapping[str, Any], extras: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``{"frames": numpy(), "timestamps": seconds per frame, "sample_info": ...}``;
        timestamps are None for raw (uncompressed) videos, which carry no timing."""
        extras = extras or {}
        return {
            "frames": value,
            "timestamps": extras.get("timestamps"),
            "sample_info": extras.get("sample_info"),
        }


class AudioBehavior(HtypeBehavior):
    """``audio``: ``(samples, channels)`` or ``(samples,)`` samples."""

    compression_required = True

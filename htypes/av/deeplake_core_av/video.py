"""Video codecs (mp4, mkv, avi) read with PyAV.

A video decodes to ``(frames, height, width, 3)`` uint8 RGB. The frame count comes
from the container's packet index (demuxed without decoding), width and height from
the stream header, so appending a file only reads its headers and packet table.

Frame ``i`` is the ``i``-th frame in presentation order; its timestamp is the ``i``-th
smallest packet timestamp. :meth:`VideoCodec.decode_partial` seeks to the keyframe at
or before the first selected frame and decodes up to the last one, so
``ds.videos[0, 5:10]`` decodes a few frames, not the whole file. Files whose packets
carry no timestamps are decoded from the start.

These codecs never encode: files are stored as read (``deeplake.read``), and raw
frames go into tensors without compression.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from deeplake_core.exceptions import (
    CorruptedSampleError,
)
from deeplake_core_av import headers, limits
from deeplake_core_av._container import (
    MediaFileCodec,
    corrupted_error,
    first_axis,
    only_stream,
    open_media,
    truncated_error,
)

_U8 = np.dtype("uint8")
#: Frames decoded by this process (all threads); a diagnostic counter for tests and
#: benchmarks, see :func:`frames_decoded`.
_decoded = [0]


def frames_decoded() -> int:
    """Number of video frames PyAV decoded for these codecs in this process."""
    return _decoded[0]


@dataclass(frozen=True)
class VideoIndex:
    """What the headers and packet table say about a video stream."""

    #: Packet timestamps in presentation order (stream time base), one per frame.
    pts: np.ndarray
    #: Whether every packet had a distinct timestamp (seeking and pts matching work).
    timed: bool
    time_base: Fraction
    width: int
    height: int
    fps: float
    #: Duration in ``time_base`` units.
    duration: int

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (len(self.pts), self.height, self.width, 3)

    def seconds(self) -> np.ndarray:
        """Presentation time in seconds of every frame (float32)."""
        if self.timed:
            return (self.pts.astype(np.float64) * float(self.time_base)).astype(np.float32)
        return (np.arange(len(self.pts)) / (self.fps or 1.0)).astype(np.float32)


def _index(container: Any, stream: Any, codec: str) -> VideoIndex:
    width, height = int(stream.codec_context.width), int(stream.codec_context.height)
    if width <= 0 or height <= 0:
        raise CorruptedSampleError(codec)
    stamps: list[int | None] = []
    for packet in container.demux(stream):
        if packet.size:
            stamps.append(packet.pts if packet.pts is not None else packet.dts)
    if stream.frames and len(stamps) < stream.frames:
        raise truncated_error(codec)
    timed = None not in stamps and len(set(stamps)) == len(stamps)
    pts = np.sort(np.asarray(stamps if timed else [], dtype=np.int64))
    if not timed:
        pts = np.arange(len(stamps), dtype=np.int64)
    time_base = stream.time_base or Fraction(1, 1)
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    if stream.duration is not None:
        duration = int(stream.duration)
    elif container.duration is not None:  # microseconds -> stream time base
        duration = round(container.duration / 1_000_000 / float(time_base))
    else:
        duration = 0
    return VideoIndex(pts, timed, Fraction(time_base), width, height, fps, duration)


class VideoCodec(MediaFileCodec):
    """A video container format read with PyAV. Subclasses set the class fields."""

    #: Container-level truncation check (declared size against the bytes present).
    truncated: ClassVar[Any] = None
    raw_refusal = (
        "raw frames are not encoded as {codec}; append {codec} files read with "
        "deeplake.read(...), or store raw frames in a tensor created with "
        "sample_compression=None"
    )

    # ------------------------------------------------------------------ headers
    def probe(self, data: bytes | memoryview) -> VideoIndex:
        """Header and packet-table facts about the first video stream (no decoding)."""
        if self.truncated is not None and self.truncated(data):
            raise truncated_error(self.name)
        with open_media(data, self.name, self.demuxers) as container:
            return _index(container, only_stream(container, "video", self.name), self.name)

    def read_shape_dtype(self, data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype]:
        return self.probe(data).shape, _U8

    def sample_info(self, data: bytes | memoryview) -> dict[str, Any]:
        index = self.probe(data)
        return {
            "duration": index.duration,
            "fps": index.fps,
            "timebase": float(index.time_base),
            "shape": list(index.shape),
            "format": self.name,
            "modified": False,
        }

    def timestamps(self, data: bytes | memoryview) -> np.ndarray:
        return self.probe(data).seconds()

    # ------------------------------------------------------------------ decode
    def decode(self, data: bytes | memoryview, config: Any = None) -> np.ndarray:
        index = self.probe(data)
        n = len(index.pts)
        return self._frames(data, index, np.arange(n, dtype=np.int64))

    def decode_partial(self, data: bytes | memoryview, subindex: tuple) -> np.ndarray:
        if not subindex:
            return self.decode(data)
        index = self.probe(data)
        picked, drop = first_axis(subindex[0], len(index.pts))
        wanted, where = np.unique(picked, return_inverse=True)
        frames = self._frames(data, index, wanted)[where]
        if drop:
            frames = frames[0]
        rest = tuple(subindex[1:])
        return frames[rest] if drop else frames[(slice(None), *rest)]

    def _frames(
        self, data: bytes | memoryview, index: VideoIndex, wanted: np.ndarray
    ) -> np.ndarray:
        """Frames ``wanted`` (sorted, unique positions) as ``(len(wanted), H, W, 3)``."""
        _, h, w, c = index.shape
        nbytes = len(wanted) * h * w * c
        limits.check(nbytes, f"{self.name} selection of {len(wanted)} frames of {w}x{h}")
        out = np.empty((len(wanted), h, w, c), _U8)
        if not len(wanted):
            return out
        seek = index.timed and int(wanted[0]) > 0
        if not (seek and self._decode_timed(data, index, wanted, out)):
            self._decode_in_order(data, index, wanted, out)
        return out

    def _decode_timed(
        self, data: bytes | memoryview, index: VideoIndex, wanted: np.ndarray, out: np.ndarray
    ) -> bool:
        """Seek to the keyframe before the first wanted frame and decode until the last
        one, matching frames by timestamp. False if some frame could not be matched
        (the caller then decodes from the start)."""
        slot = {int(t): k for k, t in enumerate(index.pts[wanted])}
        last = int(index.pts[wanted[-1]])
        filled = 0
        with open_media(data, self.name, self.demuxers) as container:
            stream = only_stream(container, "video", self.name)
            stream.thread_type = "AUTO"
            container.seek(int(index.pts[wanted[0]]), stream=stream, backward=True)
            for frame in container.decode(stream):
                _decoded[0] += 1
                pts = frame.pts
                if pts is None:
                    return False
                k = slot.pop(pts, None)
                if k is not None:
                    out[k] = self._rgb(frame, index)
                    filled += 1
                    if filled == len(wanted):
                        return True
                if pts >= last:
                    break
        return False

    def _decode_in_order(
        self, data: bytes | memoryview, index: VideoIndex, wanted: np.ndarray, out: np.ndarray
    ) -> None:
        """Decode from the start; the ``i``-th frame out of the decoder is frame ``i``."""
        n = len(index.pts)
        stop = int(wanted[-1]) + 1
        slots = dict(zip(wanted.tolist(), range(len(wanted)), strict=True))
        i = 0
        with open_media(data, self.name, self.demuxers) as container:
            stream = only_stream(container, "video", self.name)
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                _decoded[0] += 1
                if i >= n:
                    raise _too_many(self.name, n)
                k = slots.get(i)
                if k is not None:
                    out[k] = self._rgb(frame, index)
                i += 1
                if i >= stop and stop < n:
                    return
        if i != n:
            raise _count_mismatch(self.name, n, i)

    @staticmethod
    def _rgb(frame: Any, index: VideoIndex) -> np.ndarray:
        if frame.width != index.width or frame.height != index.height:
            return frame.to_ndarray(format="rgb24", width=index.width, height=index.height)
        return frame.to_ndarray(format="rgb24")


def _too_many(codec: str, n: int) -> CorruptedSampleError:
    return corrupted_error(
        codec,
        f"The {codec} file decodes to more frames than the {n} its packet index lists; "
        "it is corrupted or crafted. Re-encode it (e.g. with ffmpeg) before appending.",
    )


def _count_mismatch(codec: str, n: int, got: int) -> CorruptedSampleError:
    return corrupted_error(
        codec,
        f"The {codec} file lists {n} frames but {got} decode; it is truncated or "
        "corrupted. Re-encode it (e.g. with ffmpeg) before appending.",
    )


class Mp4Codec(VideoCodec):
    name = "mp4"
    demuxers = frozenset({"mp4", "mov"})


class MkvCodec(VideoCodec):
    name = "mkv"
    demuxers = frozenset({"matroska"})
    truncated = staticmethod(headers.matroska_truncated)


class AviCodec(VideoCodec):
    name = "avi"
    demuxers = frozenset({"avi"})
    truncated = staticmethod(headers.riff_truncated)


__all__ = [
    "AviCodec",
    "MkvCodec",
    "Mp4Codec",
    "VideoCodec",
    "VideoIndex",
    "frames_decoded",
]

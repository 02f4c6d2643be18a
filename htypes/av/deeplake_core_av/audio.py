"""Audio codecs (mp3, wav, flac) read with PyAV.

Audio decodes to ``(samples, channels)`` float64, integer formats scaled to
``[-1, 1)`` (16-bit PCM ``x / 32768``), float formats as stored. wav and flac headers
give the exact sample count, so appending one reads no audio data; mp3 headers only
estimate it (encoder delay and padding), so the count of an mp3 comes from decoding it
once (cached per file content for the next calls).

These codecs never encode: files are stored as read (``deeplake.read``), and raw
arrays go into tensors without compression.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
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
    only_stream,
    open_media,
    truncated_error,
)

_F64 = np.dtype("float64")
#: Integer sample formats -> (offset, scale) mapping them to [-1, 1).
_INT_SCALE = {
    np.dtype("uint8"): (128.0, 128.0),
    np.dtype("int16"): (0.0, 32768.0),
    np.dtype("int32"): (0.0, 2147483648.0),
    np.dtype("int64"): (0.0, 9223372036854775808.0),
}
_COUNTS: OrderedDict[tuple[int, int], int] = OrderedDict()
_COUNTS_LOCK = threading.Lock()
_COUNTS_MAX = 256


@dataclass(frozen=True)
class AudioHeader:
    """What the headers say about an audio stream."""

    sample_rate: int
    channels: int
    sample_format: str
    time_base: Fraction
    #: Duration in ``time_base`` units (an estimate for mp3).
    duration: int
    #: Exact sample count when the header gives it, else None.
    samples: int | None


def _header(stream: Any, codec: str, exact: bool) -> AudioHeader:
    ctx = stream.codec_context
    rate = int(ctx.sample_rate or 0)
    channels = int(ctx.channels or 0)
    if rate <= 0 or channels <= 0:
        raise CorruptedSampleError(codec)
    time_base = Fraction(stream.time_base or Fraction(1, rate))
    duration = int(stream.duration) if stream.duration is not None else 0
    samples = None
    if exact and stream.duration is not None and time_base == Fraction(1, rate):
        samples = duration
    fmt = ctx.format.name if ctx.format is not None else ""
    return AudioHeader(rate, channels, fmt, time_base, duration, samples)


def _as_float(frame: Any, channels: int) -> np.ndarray:
    """One decoded frame as ``(samples, channels)`` float64."""
    arr = frame.to_ndarray()
    arr = arr.T if frame.format.is_planar else arr.reshape(-1, channels)
    scale = _INT_SCALE.get(arr.dtype)
    if scale is None:
        return arr.astype(_F64)
    offset, div = scale
    out = arr.astype(_F64)
    if offset:
        out -= offset
    out /= div
    return out


class AudioCodec(MediaFileCodec):
    """An audio format read with PyAV. Subclasses set the class fields."""

    #: Whether the header's duration is the exact sample count (wav, flac).
    exact_header: ClassVar[bool] = True
    raw_refusal = (
        "raw audio is not encoded as {codec}; append {codec} files read with "
        "deeplake.read(...), or store raw arrays in a tensor created with "
        "sample_compression=None"
    )

    # ------------------------------------------------------------------ headers
    def _check_size(self, data: bytes | memoryview) -> None:
        """Refuse a file shorter than its container header declares."""
        if headers.riff_truncated(data):
            raise truncated_error(self.name)

    def _frames(self, data: bytes | memoryview, container: Any, stream: Any) -> Iterator[Any]:
        """Decoded frames of ``stream``; raises if fewer packets than declared."""
        packets = 0
        for packet in container.demux(stream):
            if packet.size:
                packets += 1
            yield from packet.decode()
        declared = headers.mp3_declared_frames(data) if self.name == "mp3" else None
        if declared is not None and packets < declared:
            raise truncated_error(self.name)

    def header(self, data: bytes | memoryview) -> AudioHeader:
        self._check_size(data)
        with open_media(data, self.name, self.demuxers) as container:
            return _header(only_stream(container, "audio", self.name), self.name, self.exact_header)

    def _count(self, data: bytes | memoryview, header: AudioHeader) -> int:
        if header.samples is not None:
            return header.samples
        key = (len(data), hash(bytes(data)))
        with _COUNTS_LOCK:
            if key in _COUNTS:
                _COUNTS.move_to_end(key)
                return _COUNTS[key]
        n = 0
        with open_media(data, self.name, self.demuxers) as container:
            stream = only_stream(container, "audio", self.name)
            for frame in self._frames(data, container, stream):
                n += frame.samples
                limits.check(n * header.channels * 8, f"{self.name} file")
        with _COUNTS_LOCK:
            _COUNTS[key] = n
            while len(_COUNTS) > _COUNTS_MAX:
                _COUNTS.popitem(last=False)
        return n

    def read_shape_dtype(self, data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype]:
        header = self.header(data)
        return (self._count(data, header), header.channels), _F64

    def sample_info(self, data: bytes | memoryview) -> dict[str, Any]:
        header = self.header(data)
        return {
            "duration": header.duration,
            "timebase": float(header.time_base),
            "sample_rate": header.sample_rate,
            "nchannels": header.channels,
            "sample_format": header.sample_format,
            "shape": [self._count(data, header), header.channels],
            "format": self.name,
            "modified": False,
        }

    # ------------------------------------------------------------------ decode
    def decode(self, data: bytes | memoryview, config: Any = None) -> np.ndarray:
        self._check_size(data)
        parts: list[np.ndarray] = []
        total = 0
        with open_media(data, self.name, self.demuxers) as container:
            stream = only_stream(container, "audio", self.name)
            header = _header(stream, self.name, self.exact_header)
            expected = header.samples
            if expected is not None:
                limits.check(expected * header.channels * 8, f"{self.name} file")
            for frame in self._frames(data, container, stream):
                total += frame.samples
                if expected is not None and total > expected:
                    raise _mismatch(self.name, expected, "more")
                limits.check(total * header.channels * 8, f"{self.name} file")
                if frame.samples:
                    parts.append(_as_float(frame, header.channels))
        if expected is not None and total != expected:
            raise _mismatch(self.name, expected, "fewer")
        if not parts:
            return np.zeros((0, header.channels), _F64)
        return np.concatenate(parts)


def _mismatch(codec: str, expected: int, how: str) -> CorruptedSampleError:
    return corrupted_error(
        codec,
        f"The {codec} file's header announces {expected} samples but {how} decode; it is "
        "truncated or corrupted. Re-encode it (e.g. with ffmpeg) before appending.",
    )


class Mp3Codec(AudioCodec):
    name = "mp3"
    demuxers = frozenset({"mp3"})
    exact_header = False


class WavCodec(AudioCodec):
    name = "wav"
    demuxers = frozenset({"wav"})


class FlacCodec(AudioCodec):
    name = "flac"
    demuxers = frozenset({"flac"})

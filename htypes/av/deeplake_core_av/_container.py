"""Opening in-memory media files with PyAV, and turning PyAV failures into the
kernel's decode errors."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from deeplake_core.exceptions import (
    CorruptedSampleError,
    DeepLakeCoreError,
    SampleDecompressionError,
)


def av_module() -> Any:
    import av

    return av


@contextmanager
def open_media(data: bytes | memoryview, codec: str, formats: frozenset[str]) -> Iterator[Any]:
    """An input container over ``data`` whose demuxer is one of ``formats``
    (FFmpeg demuxer names, e.g. ``{"mp4", "mov"}``). Any PyAV error raised inside the
    block becomes :class:`SampleDecompressionError`; a file of another format
    :class:`CorruptedSampleError`."""
    av = av_module()
    try:
        container = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except Exception as exc:
        raise SampleDecompressionError() from exc
    try:
        if not set(container.format.name.split(",")) & formats:
            raise CorruptedSampleError(codec)
        yield container
    except DeepLakeCoreError:
        raise
    except (av.FFmpegError, OSError, ValueError, EOFError, IndexError) as exc:
        raise SampleDecompressionError() from exc
    finally:
        container.close()


def truncated_error(codec: str) -> CorruptedSampleError:
    """The error for a file shorter than its headers declare."""
    exc = CorruptedSampleError(codec)
    exc.args = (
        f"The {codec} file is shorter than its headers declare: it is truncated. Copy or "
        "download it again, or re-encode it (e.g. with ffmpeg) before appending.",
    )
    return exc


def only_stream(container: Any, kind: str, codec: str) -> Any:
    """The first ``kind`` ("video"/"audio") stream; ``CorruptedSampleError`` if none."""
    streams = getattr(container.streams, kind)
    if not streams:
        raise CorruptedSampleError(codec)
    return streams[0]


def first_axis(selector: Any, n: int) -> tuple[Any, bool]:
    """Positions selected by one index item (int, slice, int or bool array) on an axis
    of ``n`` entries, with numpy's rules and errors; and whether the axis is dropped."""
    import numpy as np

    picked = np.arange(n)[selector]
    if np.ndim(picked) == 0:
        return np.asarray([int(picked)]), True
    return np.asarray(picked, dtype=np.int64).reshape(-1), False

"""Opening in-memory media files with PyAV, and turning PyAV failures into the
kernel's decode errors."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from deeplake_core.codecs.base import ArrayCodec
from deeplake_core.exceptions import (
    CorruptedSampleError,
    DecompressionBombError,
    DeepLakeCoreError,
    SampleCompressionError,
    SampleDecompressionError,
)
from deeplake_core_av import limits


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


class MediaFileCodec(ArrayCodec):
    """Base of the codecs read with PyAV: files are stored whole as given (never
    encoded, never tiled) and decoding stops at :func:`limits.max_bytes`.

    Subclasses set ``name``, ``demuxers``, ``raw_refusal`` and implement ``decode``.
    """

    #: Canonical codec name (``mp4``); used in messages and ``sample_info``.
    name: ClassVar[str] = ""
    #: FFmpeg demuxer names accepted for this format.
    demuxers: ClassVar[frozenset[str]] = frozenset()
    tileable: ClassVar[bool] = False
    #: Message of :meth:`encode` (``{codec}`` is replaced by ``name``).
    raw_refusal: ClassVar[str] = ""

    @property
    def max_decoded_bytes(self) -> int:  # type: ignore[override]
        return limits.max_bytes()

    def encode(self, array: Any, config: Any = None) -> bytes:
        import numpy as np

        raise SampleCompressionError(
            np.shape(array), self.name, self.raw_refusal.format(codec=self.name)
        )

    def verify(self, data: bytes | memoryview) -> None:
        try:
            self.decode(data)
        except DecompressionBombError:
            raise
        except (SampleDecompressionError, CorruptedSampleError) as exc:
            raise CorruptedSampleError(self.name) from exc


def corrupted_error(codec: str, message: str) -> CorruptedSampleError:
    """A :class:`CorruptedSampleError` for ``codec`` saying ``message``."""
    exc = CorruptedSampleError(codec)
    exc.args = (message,)
    return exc


def truncated_error(codec: str) -> CorruptedSampleError:
    """The error for a file shorter than its headers declare."""
    return corrupted_error(
        codec,
        f"The {codec} file is shorter than its headers declare: it is truncated. Copy or "
        "download it again, or re-encode it (e.g. with ffmpeg) before appending.",
    )


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

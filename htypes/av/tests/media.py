"""Small media files made with PyAV for the tests (no files are checked in)."""

from __future__ import annotations

import io
from functools import cache

import av
import numpy as np

#: container format name for FFmpeg's muxer, by file extension
MUXERS = {"mp4": "mp4", "mkv": "matroska", "avi": "avi", "mp3": "mp3", "wav": "wav", "flac": "flac"}


def video_codec() -> str:
    """h264 when this PyAV build can encode it, else mpeg4."""
    for name in ("libx264", "h264", "mpeg4"):
        try:
            av.codec.Codec(name, "w")
        except Exception:
            continue
        return name
    raise RuntimeError("PyAV can encode neither h264 nor mpeg4")


def frame_pattern(i: int, h: int, w: int) -> np.ndarray:
    """A frame that identifies its index: flat colour i*16 in the red channel."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:, :, 0] = (i * 16) % 256
    img[:, :, 1] = 255 - (i * 16) % 256
    return img


@cache
def make_video(
    ext: str = "mp4", frames: int = 30, w: int = 32, h: int = 24, fps: int = 25, gop: int = 10
) -> bytes:
    codec = "mpeg4" if ext == "avi" else video_codec()
    buf = io.BytesIO()
    with av.open(buf, "w", format=MUXERS[ext]) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.codec_context.gop_size = gop
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(frame_pattern(i, h, w), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return buf.getvalue()


AUDIO_CODECS = {"mp3": ("libmp3lame", "fltp"), "wav": ("pcm_s16le", "s16"), "flac": ("flac", "s16")}


def tone(n: int, rate: int, channels: int) -> np.ndarray:
    """``(n, channels)`` float sine tones in [-0.5, 0.5]."""
    t = np.arange(n) / rate
    return np.stack([0.5 * np.sin(2 * np.pi * 440 * (k + 1) * t) for k in range(channels)], 1)


@cache
def make_audio(ext: str = "wav", n: int = 8000, rate: int = 16000, channels: int = 2) -> bytes:
    codec, fmt = AUDIO_CODECS[ext]
    sig = tone(n, rate, channels)
    layout = "stereo" if channels == 2 else "mono"
    buf = io.BytesIO()
    with av.open(buf, "w", format=MUXERS[ext]) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        stream.format = fmt
        for start in range(0, n, 1024):
            part = sig[start : start + 1024]
            if fmt == "s16":
                arr = np.round(part * 32767).astype(np.int16).reshape(1, -1)
            else:
                arr = np.ascontiguousarray(part.T.astype(np.float32))
            frame = av.AudioFrame.from_ndarray(arr, format=fmt, layout=layout)
            frame.sample_rate, frame.pts = rate, start
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return buf.getvalue()


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)

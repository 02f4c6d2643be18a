"""Stored form of ``sequence[...]`` samples.

A sequence sample is a list of items whose shapes may differ (frames of different
sizes, strings of different lengths) and which may be empty, so the engine cannot
hold it as one array. Each sample is packed into one 1-D ``uint8`` array::

    uint32 header length H (little-endian), H bytes of JSON header, item payloads

The header is ``[[shape, dtype, nbytes, compression], ...]`` with one entry per item
(``null`` for an empty item). Payloads follow back to back: raw C-order bytes when
``compression`` is ``null``, else the bytes of that codec (an image codec's file, or a
byte codec's output over the raw bytes). Nothing is pickled.

Items are compressed here (not by the engine) because a sequence's compression applies
to each item: ``sequence[image]`` with ``sample_compression="jpeg"`` keeps one JPEG
per frame.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from deeplake_core.exceptions import CorruptedSampleError, SampleHtypeMismatchError
from deeplake_core.htype.samples import is_encoded_sample, known_dtype, known_shape

_LEN = struct.Struct("<I")


def item_codec_name(cfg: Any) -> str | None:
    """Codec applied to each item: the sample compression, or a media chunk codec."""
    if cfg.sample_compression:
        return cfg.sample_compression
    cc = cfg.chunk_compression
    if cc and not is_byte_codec(cc):
        return cc
    return None


def is_byte_codec(name: str) -> bool:
    from deeplake_core.codecs.base import ByteCodec
    from deeplake_core.core.engine.codecs import get_codec

    return isinstance(get_codec(name), ByteCodec)


def _encode_array(arr: np.ndarray, codec_name: str | None) -> tuple[bytes, str | None]:
    if codec_name is None or arr.size == 0:
        return np.ascontiguousarray(arr).tobytes(), None
    from deeplake_core.codecs.base import ArrayCodec
    from deeplake_core.core.engine.codecs import get_codec

    codec = get_codec(codec_name)
    if isinstance(codec, ArrayCodec):
        return codec.encode(arr), codec_name
    return codec.compress(np.ascontiguousarray(arr).tobytes()), codec_name


def pack(items: list[Any], codec_name: str | None) -> np.ndarray:
    """One packed sample from coerced items (arrays, ``None``, encoded samples)."""
    header: list[Any] = []
    parts: list[bytes] = []
    for item in items:
        if item is None:
            header.append(None)
            continue
        if is_encoded_sample(item):
            comp = str(item.compression)
            shape, dtype = known_shape(item), known_dtype(item)
            if shape is None or dtype is None:
                arr = np.asarray(item.array)
                shape, dtype = arr.shape, arr.dtype
            data = bytes(item.compressed_bytes(comp))
            header.append([list(map(int, shape)), np.dtype(dtype).str, len(data), comp])
            parts.append(data)
            continue
        if not isinstance(item, np.ndarray):
            exc = SampleHtypeMismatchError("sequence", type(item))
            exc.args = (
                f"An item of type {type(item).__name__} cannot be stored in a sequence "
                "tensor; items are arrays, strings, JSON values or deeplake.read files.",
            )
            raise exc
        data, comp = _encode_array(item, codec_name)
        header.append([list(item.shape), item.dtype.str, len(data), comp])
        parts.append(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    blob = b"".join([_LEN.pack(len(head)), head, *parts])
    return np.frombuffer(blob, dtype=np.uint8)


def _header(raw: bytes) -> tuple[list[Any], int]:
    if len(raw) < 4:
        raise CorruptedSampleError("sequence")
    (hlen,) = _LEN.unpack_from(raw)
    try:
        header = json.loads(raw[4 : 4 + hlen])
    except ValueError:
        raise CorruptedSampleError("sequence") from None
    if not isinstance(header, list):
        raise CorruptedSampleError("sequence")
    return header, 4 + hlen


def _decode_item(entry: Any, payload: bytes) -> np.ndarray:
    shape, dtype, _n, comp = entry
    dtype = np.dtype(dtype)
    if comp is None:
        return np.frombuffer(payload, dtype=dtype).reshape(shape).copy()
    from deeplake_core.codecs.base import ArrayCodec
    from deeplake_core.core.engine.codecs import get_codec

    codec = get_codec(comp)
    if isinstance(codec, ArrayCodec):
        return np.asarray(codec.decode(payload)).astype(dtype, copy=False).reshape(shape)
    return np.frombuffer(codec.decompress(payload), dtype=dtype).reshape(shape).copy()


def unpack(stored: Any) -> list[np.ndarray | None] | None:
    """Items of one packed sample; ``None`` for an empty (padded) sample."""
    if stored is None:
        return None
    raw = stored.tobytes() if isinstance(stored, np.ndarray) else bytes(stored)
    if not raw:
        return None
    header, pos = _header(raw)
    out: list[np.ndarray | None] = []
    for entry in header:
        if entry is None:
            out.append(None)
            continue
        n = int(entry[2])
        if pos + n > len(raw):
            raise CorruptedSampleError("sequence")
        out.append(_decode_item(entry, raw[pos : pos + n]))
        pos += n
    return out


def item_shapes(stored: Any) -> list[tuple[int, ...] | None]:
    """Stored shapes of the items of one packed sample, without decoding payloads."""
    raw = stored.tobytes() if isinstance(stored, np.ndarray) else bytes(stored or b"")
    if not raw:
        return []
    header, _ = _header(raw)
    return [None if e is None else tuple(e[0]) for e in header]

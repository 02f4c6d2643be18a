"""The built-in ``runs64`` byte codec: 64-bit words stored as runs of equal steps.

Made for columns of 8-byte integers that grow in arithmetic runs, above all the hidden
sample-id companions: ids are assigned as runs of consecutive values (see
``core/columns.new_ids``), so a million ids appended in 20 batches take about 650
bytes instead of 8 MB. Any bytes are accepted; input that would not shrink (or whose
length is not a multiple of 8) is stored as is, behind the same header.

Layout, little-endian::

    magic b"DLR1" | mode u8 | 3 zero bytes | decoded length u64 | XXH3-64 of the body u64
    body, mode 0 (raw):  the input bytes
    body, mode 1 (runs): first word u64 | run count k u64 | k steps u64 | k lengths u64

In mode 1, ``word[i + 1] - word[i]`` (modulo 2**64) is ``steps[j]`` for the
``lengths[j]`` consecutive ``i`` of run ``j``; the lengths add up to ``words - 1``.
Encoding and decoding are numpy passes (they release the GIL). The body checksum makes
a corrupted frame fail to decode instead of decoding to wrong words; the decoded length
is checked against a limit before anything is allocated (2 GiB by default;
``DEEPLAKE_CORE_RUNS64_MAX_BYTES`` or :func:`set_max_decoded_bytes` changes it).
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import xxhash

from deeplake_core.codecs.base import ByteCodec
from deeplake_core.codecs.limits import DecodeLimit
from deeplake_core.exceptions import DecompressionBombError, SampleDecompressionError

MAGIC = b"DLR1"
MODE_RAW = 0
MODE_RUNS = 1
_HEADER = struct.Struct("<4sB3sQQ")
_RUNS_HEAD = struct.Struct("<QQ")
_WORD = np.dtype("<u8")
_PAD = bytes(3)
_ID_SPACE = 1 << 64
#: Default largest decoded size accepted, in bytes.
MAX_DECODED_BYTES = 1 << 31
#: Environment variable overriding :data:`MAX_DECODED_BYTES`.
ENV_MAX_BYTES = "DEEPLAKE_CORE_RUNS64_MAX_BYTES"

_limit = DecodeLimit(ENV_MAX_BYTES, MAX_DECODED_BYTES)


def set_max_decoded_bytes(value: int | None) -> None:
    """Set the largest size a runs64 frame may decode to in this process (``None``:
    back to ``$DEEPLAKE_CORE_RUNS64_MAX_BYTES`` or the 2 GiB default)."""
    _limit.set(value)


def _frame(mode: int, nbytes: int, body: list[Any]) -> bytes:
    h = xxhash.xxh3_64()
    for part in body:
        h.update(part)
    return b"".join([_HEADER.pack(MAGIC, mode, _PAD, nbytes, h.intdigest()), *body])


#: Words whose successive differences :func:`encode_runs` takes at a time: its scratch
#: stays in a core's cache, and nothing the size of the input is allocated (fresh
#: memory is slow to fault in; a flush used to spend 1-13 ms on an 8 MB id chunk).
ENCODE_BLOCK = 1 << 16


def encode_runs(
    words: np.ndarray, max_runs: int | None = None
) -> tuple[int, np.ndarray, np.ndarray] | None:
    """``(first, steps, lengths)`` of a non-empty uint64 array: maximal runs of equal
    successive differences (wrapping modulo 2**64); None if there would be more than
    ``max_runs`` runs."""
    n = len(words)
    if n == 1:
        return int(words[0]), np.empty(0, _WORD), np.empty(0, _WORD)
    steps: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    runs = 0
    diff = np.empty(min(ENCODE_BLOCK, n - 1), words.dtype)
    for b0 in range(0, n - 1, ENCODE_BLOCK):
        m = min(n - 1 - b0, ENCODE_BLOCK)
        d = np.subtract(words[b0 + 1 : b0 + 1 + m], words[b0 : b0 + m], out=diff[:m])
        if d.min() == d.max():  # the whole block is one run: the common case
            starts = np.zeros(1, np.int64)
        else:
            starts = np.flatnonzero(d[1:] != d[:-1]) + 1
            starts = np.concatenate((np.zeros(1, np.int64), starts))
        block_lengths = np.diff(np.append(starts, m)).astype(_WORD)
        block_steps = d[starts].astype(_WORD)
        if steps and steps[-1][-1] == block_steps[0]:  # the last run goes on
            lengths[-1][-1] += block_lengths[0]
            block_steps, block_lengths = block_steps[1:], block_lengths[1:]
        runs += len(block_steps)
        if max_runs is not None and runs > max_runs:
            return None
        if len(block_steps):
            steps.append(block_steps)
            lengths.append(block_lengths)
    return int(words[0]), np.concatenate(steps), np.concatenate(lengths)


def decode_runs(first: int, steps: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Invert :func:`encode_runs`."""
    out = np.empty(int(lengths.sum()) + 1, _WORD)
    out[0] = first
    if len(out) > 1:
        np.cumsum(np.repeat(steps, lengths.astype(np.int64)), out=out[1:])
        out[1:] += np.uint64(first)
    return out


def frame_unit_runs(runs: list[tuple[int, int]]) -> bytes | None:
    """The frame :meth:`Runs64Codec.compress` makes of the words of ``runs``, each
    ``(start, count)`` the ``count`` consecutive values ``start, start + 1, ...``
    (modulo 2**64), built from the runs without materializing a word; None when the
    words would be stored raw (too many short runs)."""
    words = sum(n for _, n in runs if n)
    pieces: list[tuple[int, int]] = []  # (step, count) of successive differences
    last = None
    for start, n in runs:
        if not n:
            continue
        if last is not None:
            pieces.append(((start - last) % _ID_SPACE, 1))
        pieces.append((1, n - 1))
        last = (start + n - 1) % _ID_SPACE
    steps: list[int] = []
    lengths: list[int] = []
    for step, k in pieces:  # merged into maximal runs, as encode_runs makes them
        if not k:
            continue
        if steps and steps[-1] == step:
            lengths[-1] += k
        else:
            steps.append(step)
            lengths.append(k)
    nbytes = 8 * words
    if not words or nbytes < 32 or len(steps) > (nbytes - 17) // 16:
        return None
    first = next(start for start, n in runs if n) % _ID_SPACE
    head = _RUNS_HEAD.pack(first, len(steps))
    body = [head, np.array(steps, _WORD).tobytes(), np.array(lengths, _WORD).tobytes()]
    return _frame(MODE_RUNS, nbytes, body)


class Runs64Codec(ByteCodec):
    """Arithmetic runs of 8-byte little-endian words; raw storage for anything else."""

    def compress(self, data: bytes | memoryview, config: Any = None) -> bytes:
        view = memoryview(data).cast("B")
        n = view.nbytes
        if n % 8 == 0 and n >= 32:
            # a run costs 16 bytes: runs are kept only while they beat the raw bytes
            runs = encode_runs(np.frombuffer(view, _WORD), max_runs=(n - 17) // 16)
            if runs is not None:
                first, steps, lengths = runs
                head = _RUNS_HEAD.pack(first, len(steps))
                return _frame(MODE_RUNS, n, [head, steps.tobytes(), lengths.tobytes()])
        return _frame(MODE_RAW, n, [view])

    def decompress(self, data: bytes | memoryview, config: Any = None) -> bytes:
        view = memoryview(data).cast("B")
        if view.nbytes < _HEADER.size:
            raise SampleDecompressionError()
        magic, mode, pad, nbytes, digest = _HEADER.unpack_from(view)
        body = view[_HEADER.size :]
        if magic != MAGIC or mode not in (MODE_RAW, MODE_RUNS) or pad != _PAD:
            raise SampleDecompressionError()
        limit = _limit.get()
        if nbytes > limit:
            raise DecompressionBombError(
                nbytes,
                limit,
                "bytes",
                how_to_raise=f"the {ENV_MAX_BYTES} variable or "
                "deeplake_core.codecs.runs64.set_max_decoded_bytes",
            )
        if xxhash.xxh3_64_intdigest(body) != digest:
            raise SampleDecompressionError()
        if mode == MODE_RAW:
            if body.nbytes != nbytes:
                raise SampleDecompressionError()
            return body.tobytes()
        if nbytes % 8 or body.nbytes < _RUNS_HEAD.size:
            raise SampleDecompressionError()
        first, k = _RUNS_HEAD.unpack_from(body)
        if body.nbytes != _RUNS_HEAD.size + 16 * k:
            raise SampleDecompressionError()
        arrays = np.frombuffer(body[_RUNS_HEAD.size :], _WORD)
        steps, lengths = arrays[:k], arrays[k:]
        words = nbytes // 8
        if (
            words == 0
            or (k == 0) != (words == 1)
            or (lengths == 0).any()
            or (lengths >= words).any()  # also keeps the sum below from overflowing
            or int(lengths.sum()) != words - 1
        ):
            raise SampleDecompressionError()
        return decode_runs(first, steps, lengths).tobytes()

"""Helpers the kernel gives codec plugins: ``DecodeLimit`` and ``verify_by_decoding``."""

from __future__ import annotations

import numpy as np
import pytest

from deeplake_core.codecs.base import ArrayCodec, verify_by_decoding
from deeplake_core.codecs.limits import DecodeLimit
from deeplake_core.exceptions import (
    CorruptedSampleError,
    DecompressionBombError,
    SampleDecompressionError,
)

VAR = "DEEPLAKE_CORE_TEST_CODEC_LIMIT"


def test_decode_limit_order_setting_then_env_then_default(monkeypatch) -> None:
    limit = DecodeLimit(VAR, 100)
    monkeypatch.delenv(VAR, raising=False)
    assert limit.get() == 100
    monkeypatch.setenv(VAR, "7")
    assert limit.get() == 7
    limit.set(3)
    assert limit.get() == 3
    limit.set(None)
    assert limit.get() == 7


def test_decode_limit_refuses_bad_values(monkeypatch) -> None:
    limit = DecodeLimit(VAR, 100, minimum=1)
    monkeypatch.setenv(VAR, "lots")
    with pytest.raises(ValueError, match=VAR):
        limit.get()
    for bad in (0, -1, 1.5, "2"):
        with pytest.raises(ValueError, match=">= 1"):
            limit.set(bad)  # type: ignore[arg-type]
    DecodeLimit(VAR, 5, minimum=0).set(0)


class _Failing(ArrayCodec):
    name = "fail"

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def encode(self, array: np.ndarray, config=None) -> bytes:
        return array.tobytes()

    def decode(self, data, config=None) -> np.ndarray:
        if self.error is not None:
            raise self.error
        return np.frombuffer(bytes(data), np.uint8)


def test_verify_by_decoding_maps_errors() -> None:
    verify_by_decoding(_Failing(None), b"ok")
    with pytest.raises(CorruptedSampleError) as info:
        verify_by_decoding(_Failing(SampleDecompressionError()), b"x")
    assert isinstance(info.value.__cause__, SampleDecompressionError)
    with pytest.raises(DecompressionBombError):
        verify_by_decoding(_Failing(DecompressionBombError(10, 5, "bytes")), b"x")

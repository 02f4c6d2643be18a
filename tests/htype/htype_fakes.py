"""Fake specs and sample objects for the htype-layer tests (imported by import string)."""

from __future__ import annotations

import numpy as np

from deeplake_core.htype import HtypeBehavior
from deeplake_core.plugins.specs import CodecSpec, HtypeSpec
from deeplake_core.testing.htype import overlay_registry


class NeedsCompression(HtypeBehavior):
    compression_required = True


class NotABehavior:
    pass


FAKE_CODECS = [
    CodecSpec(
        name="fakeimg",
        codec_kind="image",
        aliases=frozenset({"fimg"}),
        impl="htype_fakes:NotABehavior",
    ),
    CodecSpec(
        name="fakevid",
        codec_kind="video",
        applies_to=frozenset({"sample"}),
        impl="htype_fakes:NotABehavior",
    ),
    CodecSpec(name="oldfmt", read_only=True, impl="htype_fakes:NotABehavior"),
    CodecSpec(name="chunkonly", applies_to=frozenset({"chunk"}), impl="htype_fakes:NotABehavior"),
]

FAKE_HTYPES = [
    HtypeSpec(
        name="fake.image",
        aliases=frozenset({"fake.img"}),
        dtype="uint8",
        sample_ndim=frozenset({2, 3}),
        allowed_compressions=frozenset({"fakeimg", "lz4"}),
        behavior="htype_fakes:NeedsCompression",
        supports_link=True,
    ),
    HtypeSpec(
        name="fake.video",
        dtype="uint8",
        sample_ndim=frozenset({3, 4}),
        allowed_compressions=frozenset({"fakevid"}),
        chunk_compression_allowed=False,
        raw_arrays_allowed=False,
        behavior="htype_fakes:NeedsCompression",
    ),
    HtypeSpec(name="fake.flat", supports_sequence=False),
    HtypeSpec(name="fake.broken", behavior="htype_fakes:NotABehavior"),
    HtypeSpec(
        name="fake.box", dtype="float32", sample_ndim=frozenset({2}), last_dim=frozenset({4})
    ),
]


def registry():
    return overlay_registry(htypes=FAKE_HTYPES, codecs=FAKE_CODECS)


class FakeSample:
    """Looks like the object deeplake.read() returns."""

    def __init__(self, array: np.ndarray, compression: str, report_shape: bool = True):
        self._array = array
        self.compression = compression
        self.shape = array.shape if report_shape else None
        self.dtype = array.dtype if report_shape else None
        self.decoded = False

    @property
    def array(self) -> np.ndarray:
        self.decoded = True
        return self._array

    def compressed_bytes(self, compression: str) -> bytes:
        return b"fake:" + self._array.tobytes()


class FakeLink:
    def __init__(self, path: str, creds_key: str | None = None):
        self.path = path
        self.creds_key = creds_key


class FakePartial:
    def __init__(self, sample_shape, tile_shape, dtype="uint8"):
        self.sample_shape = sample_shape
        self.tile_shape = tile_shape
        self.dtype = np.dtype(dtype)


class HasArray:
    def __init__(self, array):
        self.array = array

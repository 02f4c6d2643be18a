"""The fast paths of appending ``deeplake.read`` files: concurrent file reads, one
header walk for shape and Exif, and sample-info JSON written without conversion.
Each must give what the general paths give."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import numpy as np
import pytest
from deeplake_core_image import headers
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import deeplake_core as deeplake
from deeplake_core.core import columns
from deeplake_core.core.sample import Sample, prefetch
from deeplake_core.htype import forms


def _jpeg(h: int, w: int, seed: int, exif: bool = False, mode: str = "RGB") -> bytes:
    rng = np.random.default_rng(seed)
    shape = (h, w, 3) if mode == "RGB" else (h, w)
    im = Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8))
    out = io.BytesIO()
    extra = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "maker"
        extra["exif"] = ex.tobytes()
    im.save(out, format="JPEG", quality=80, **extra)
    return out.getvalue()


@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(1, 40),
    w=st.integers(1, 40),
    exif=st.booleans(),
    grey=st.booleans(),
    cut=st.integers(0, 400),
)
def test_jpeg_info_agrees_with_the_separate_walks(h, w, exif, grey, cut):
    data = _jpeg(h, w, h * w, exif, "L" if grey else "RGB")
    for blob in (data, data[: max(4, len(data) - cut)], data[:cut]):
        shape = headers.jpeg_shape(blob)
        has = headers.jpeg_has_exif(blob)
        got = headers.jpeg_info(blob)
        if shape is None or has is None:
            assert got is None
        else:
            assert got == (shape[0], shape[1], has)


@pytest.fixture
def jpegs(tmp_path: Path) -> list[Path]:
    out = []
    for i in range(12):
        p = tmp_path / f"{i}.jpg"
        p.write_bytes(_jpeg(16 + i, 20, i, exif=i % 3 == 0))
        out.append(p)
    return out


def test_prefetch_reads_every_file(jpegs):
    samples = [deeplake.read(str(p)) for p in jpegs]
    prefetch(samples)
    assert all(s._buffer == p.read_bytes() for s, p in zip(samples, jpegs, strict=True))


def test_prefetch_leaves_errors_to_the_append(jpegs, tmp_path):
    samples = [deeplake.read(str(p)) for p in jpegs] + [deeplake.read(str(tmp_path / "no.jpg"))]
    prefetch(samples)  # does not raise
    ds = deeplake.empty(f"mem://ingest-{uuid.uuid4().hex}")
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    with pytest.raises(FileNotFoundError):
        ds.images.extend(samples)
    assert len(ds.images) == 0


def test_batch_of_read_files_stores_the_files_and_their_info(jpegs):
    ds = deeplake.empty(f"mem://ingest-{uuid.uuid4().hex}")
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    ds.images.extend([deeplake.read(str(p)) for p in jpegs[:5]])
    ds.images.extend([deeplake.read(str(p)) for p in jpegs[5:]])
    for i, p in enumerate(jpegs):
        assert ds.images[i].tobytes() == p.read_bytes()
        with Image.open(p) as im:
            np.testing.assert_array_equal(ds.images[i].numpy(), np.asarray(im))
        info = ds.images[i].sample_info
        assert info["shape"] == [16 + i, 20, 3] and info["filename"] == str(p)
        reference = Sample(path=str(p))
        codec_info = deeplake_core_codec("jpeg").sample_info(reference.buffer)
        assert info["exif"] == codec_info["exif"]
    arrays = ds.images.numpy(aslist=True)  # many samples: decoded in parallel
    assert [a.shape for a in arrays] == [(16 + i, 20, 3) for i in range(12)]


def deeplake_core_codec(name: str):
    from deeplake_core.core.engine.codecs import get_codec

    return get_codec(name)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(), kids, max_size=3),
    max_leaves=12,
)


@settings(max_examples=80, deadline=None)
@given(info=st.dictionaries(st.text(), json_values, max_size=5))
def test_info_json_fast_path_matches_encode_json(info):
    got = columns._info_batch(None, [info])[0]
    assert got.tobytes() == forms.encode_json(info, "json").tobytes()


def test_info_json_falls_back_for_non_plain_values():
    assert columns._info_json({"a": np.int64(3)}) is None
    assert columns._info_json({"a": {1: "x"}}) is None  # json would turn 1 into "1"
    assert json.loads(columns._info_batch(None, [{"a": np.int64(3)}])[0].tobytes()) == {"a": 3}
    with pytest.raises(Exception, match="keys must be strings"):
        columns._info_batch(None, [{"a": {1: "x"}}])

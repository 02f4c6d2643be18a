"""Kernel side of samples: fetching bytes safely, Sample/LinkedSample objects (no
media plugin needed)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.core import fetch
from deeplake_core.core.sample import LinkedSample, LinkedTiledSample, PartialSample, Sample
from deeplake_core.exceptions import LinkedSampleError


def test_local_reads_exactly_the_named_file(tmp_path) -> None:
    p = tmp_path / "a.bin"
    p.write_bytes(b"abc")
    assert fetch.fetch_bytes(str(p)) == b"abc"
    assert fetch.fetch_bytes(f"file://{p}") == b"abc"
    with pytest.raises(FileNotFoundError):
        fetch.fetch_bytes(str(tmp_path / "missing"))
    with pytest.raises(LinkedSampleError, match="directory"):
        fetch.fetch_bytes(str(tmp_path))


def test_size_limit(tmp_path, monkeypatch) -> None:
    p = tmp_path / "big.bin"
    p.write_bytes(b"x" * 100)
    monkeypatch.setenv("DEEPLAKE_CORE_MAX_FETCH_BYTES", "10")
    with pytest.raises(LinkedSampleError, match="fetch limit"):
        fetch.fetch_bytes(str(p))


def test_storage_provider_urls() -> None:
    from deeplake_core.storage import open_storage

    store = open_storage("mem://m1-fetch")
    store["x/y.bin"] = b"hello"
    assert fetch.fetch_bytes("mem://m1-fetch/x/y.bin") == b"hello"
    assert fetch.fetch_bytes("x/y.bin", storage=store) == b"hello"
    with pytest.raises(FileNotFoundError):
        fetch.fetch_bytes("mem://m1-fetch/x/none.bin")


def test_raw_sample_from_array_and_buffer() -> None:
    arr = np.arange(6, dtype=np.int16).reshape(2, 3)
    s = Sample(array=arr)
    assert not s.is_lazy and s.shape == (2, 3) and s.compression is None
    assert s.compressed_bytes(None) == arr.tobytes() == s.buffer
    b = Sample(buffer=arr.tobytes(), shape=(2, 3), dtype="int16")
    assert np.array_equal(b.array, arr)
    with pytest.raises(ValueError):
        Sample(path="a.png", array=arr)
    with pytest.raises(ValueError):
        Sample()


def test_creds_never_in_repr_or_pickle() -> None:
    secret = {"aws_secret_access_key": "TOPSECRET-123"}
    s = deeplake.read("s3://user:pw@bucket/cat.jpg", creds=secret)
    assert "TOPSECRET" not in repr(s) and "pw@" not in repr(s)
    blob = pickle.dumps(s)
    assert b"TOPSECRET" not in blob
    assert pickle.loads(blob).path == s.path


def test_linked_and_partial_samples() -> None:
    link = deeplake.link("https://example.com/a.jpg", creds_key="k")
    assert isinstance(link, LinkedSample) and link.creds_key == "k"
    assert pickle.loads(pickle.dumps(link)) == link
    with pytest.raises(TypeError):
        deeplake.link(3)
    grid = np.array([["a.png", "b.png"], ["c.png", "d.png"]], dtype=object)
    tiled_link = deeplake.link_tiled(grid)
    assert isinstance(tiled_link, LinkedTiledSample) and tiled_link.path == "a.png"
    with pytest.raises(TypeError):
        deeplake.link_tiled(np.array([[1, 2]], dtype=object))
    part = deeplake.tiled((10, 12, 3), (5, 5, 3))
    assert isinstance(part, PartialSample) and part.shape == (10, 12, 3)
    assert part.array.shape == (10, 12, 3) and part.dtype == np.uint8
    with pytest.raises(ValueError):
        deeplake.tiled((10, 12), (5,))


def test_reference_module_names() -> None:
    from deeplake_core.core.linked_sample import LinkedSample as A
    from deeplake_core.core.linked_tiled_sample import LinkerTiledSample
    from deeplake_core.core.partial_sample import PartialSample as B

    assert A is LinkedSample and B is PartialSample and LinkerTiledSample is LinkedTiledSample

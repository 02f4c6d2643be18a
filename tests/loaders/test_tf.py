"""``ds.tensorflow()`` and the dataloader's TensorFlow output."""

from __future__ import annotations

import numpy as np
import pytest
from loader_helpers import IMG, N

import deeplake_core as deeplake

tf = pytest.importorskip("tensorflow", reason="tensorflow is not installed")


def test_tensorflow_dataset_yields_every_sample(ds):
    tds = ds.tensorflow()
    assert isinstance(tds, tf.data.Dataset)
    rows = []
    for s in tds:
        assert s["images"].shape == IMG and s["images"].dtype == tf.uint8
        rows.append(int(s["labels"].numpy()[0]))
    assert rows == list(range(N))
    batch = next(iter(tds.batch(10)))
    assert batch["images"].shape == (10, *IMG)


def test_tensorflow_tobytes_and_text():
    ds = deeplake.dataset("mem://loader-tf-text", overwrite=True)
    ds.create_tensor("t", htype="text")
    ds.create_tensor("x", dtype="int32")
    ds.extend({"t": ["a", "bc"], "x": [np.array([1, 2]), np.array([3, 4])]})
    got = list(ds.tensorflow(tobytes=["x"]))
    assert [g["t"].numpy() for g in got] == [b"a", b"bc"]
    assert got[1]["x"].numpy() == np.array([3, 4], np.int32).tobytes()
    assert next(iter(ds.tensorflow(tensors=["t"]))).keys() == {"t"}


def test_dataloader_tensorflow_output(ds):
    dl = ds.dataloader().batch(32).shuffle().tensorflow(tensors=["images", "labels"])
    rows = []
    for b in dl:
        assert tf.is_tensor(b["images"]) and b["images"].shape[1:] == IMG
        rows.extend(b["index"].numpy().reshape(-1).tolist())
    assert sorted(rows) == list(range(N))

"""A dataset written through one face opens and reads through the other, both ways,
for every htype/type with a sample here whose plugin is installed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core import types
from deeplake_core.core.dataset import Dataset as V3Dataset

from .conftest import has_htype

RNG = np.random.default_rng(7)
IMG = RNG.integers(0, 255, (6, 5, 3), dtype=np.uint8)

#: htype -> (create_tensor kwargs, two samples, v4 type equivalent)
SAMPLES: dict[str, tuple[dict[str, Any], list[Any], Any]] = {
    "generic": (
        {"dtype": "float32"},
        [np.arange(6, dtype=np.float32).reshape(2, 3)] * 2,
        types.Array("float32", 2),
    ),
    "bbox": (
        {},
        [np.array([[1, 2, 3, 4]], np.float32), np.zeros((2, 4), np.float32)],
        types.BoundingBox(),
    ),
    "bbox.3d": (
        {"coords": {"mode": "center"}},
        [np.ones((1, 9), np.float32)] * 2,
        types.Htype("bbox.3d", coords={"mode": "center"}),
    ),
    "binary_mask": ({}, [np.zeros((4, 4, 2), bool), np.ones((4, 4, 1), bool)], types.BinaryMask()),
    "class_label": ({"class_names": ["a", "b"]}, [0, 1], types.ClassLabel("uint32")),
    "embedding": (
        {"dtype": "float32"},
        [np.ones(4, np.float32), np.zeros(4, np.float32)],
        types.Embedding(4),
    ),
    "image": ({"sample_compression": "png"}, [IMG, IMG[::-1].copy()], types.Image()),
    "instance_label": (
        {},
        [np.array([1, 2], np.uint32), np.array([3], np.uint32)],
        types.Htype("instance_label"),
    ),
    "intrinsics": ({}, [np.eye(3, dtype=np.float32)] * 2, types.Htype("intrinsics")),
    "json": ({}, [{"a": 1}, {"b": [1, 2]}], types.Dict()),
    "list": ({}, [[1, "x"], []], types.List()),
    "point": (
        {},
        [np.array([[1, 2]], np.int32), np.array([[3, 4], [5, 6]], np.int32)],
        types.Point(2),
    ),
    "polygon": (
        {},
        [np.zeros((1, 3, 2), np.float32), np.ones((2, 4, 2), np.float32)],
        types.Polygon(),
    ),
    "segment_mask": (
        {"dtype": "uint32"},
        [np.zeros((4, 4), np.uint32), np.ones((4, 4), np.uint32)],
        types.SegmentMask("uint32"),
    ),
    "tag": ({}, [["a", "b"], ["c"]], types.Tag()),
    "text": ({}, ["hello", "wörld"], types.Text()),
}
HTYPES = [h for h in SAMPLES if has_htype(h)]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


def _v3_value(tensor: Any) -> Any:
    cfg = tensor._cfg
    if cfg.sample_form == "text":
        return tensor.text()
    if cfg.sample_form == "json":
        return tensor.dict()
    if cfg.sample_form == "list":
        return tensor.list()
    return tensor.numpy()


@pytest.mark.parametrize("htype", HTYPES)
def test_v3_written_reads_through_v4(htype, mem_url):
    kwargs, samples, _ = SAMPLES[htype]
    ds = deeplake.empty(mem_url)
    ds.create_tensor("col", htype=htype, **kwargs)
    ds.col.extend(samples)
    ds.col.info["note"] = "from v3"
    ds.info["origin"] = "v3"
    for opened in (deeplake.open(mem_url), deeplake.open_read_only(mem_url)):
        assert opened.schema["col"].dtype.htype == htype
        assert opened["col"].metadata["note"] == "from v3"
        assert opened.metadata["origin"] == "v3"
        assert len(opened) == 2
        for i, expected in enumerate(samples):
            got = opened["col"][i]
            if htype == "class_label":
                assert got == expected
            else:
                assert _same(got, expected), (htype, got, expected)
        assert len([row["col"] for row in opened]) == 2


@pytest.mark.parametrize("htype", HTYPES)
def test_v4_written_reads_through_v3(htype, mem_url):
    _, samples, ctype = SAMPLES[htype]
    ds = deeplake.create(mem_url)
    ds.add_column("col", ctype)
    ds["col"].metadata["note"] = "from v4"
    ds.metadata["origin"] = "v4"
    ds.append([{"col": s} for s in samples])
    old = deeplake.load(mem_url, read_only=True)
    assert isinstance(old, V3Dataset)
    assert old.col.htype == ctype.htype
    assert old.col.info["note"] == "from v4" and old.info["origin"] == "v4"
    for i, expected in enumerate(samples):
        got = _v3_value(old.col[i])
        if htype == "class_label":
            assert got.tolist() == [expected]
        elif htype == "text":
            assert got == expected
        else:
            assert _same(got, expected), (htype, got, expected)
    # the v4 type survives a reopen through either face
    assert deeplake.open_read_only(mem_url).schema["col"].dtype == ctype


def test_scalars_across_faces(mem_url):
    ds = deeplake.create(mem_url)
    for name, dtype in (("i", "int64"), ("f", "float32"), ("b", "bool")):
        ds.add_column(name, dtype)
    ds.append({"i": [1, 2], "f": [0.5, 1.5], "b": [True, False]})
    old = deeplake.load(mem_url)
    assert old.i.numpy().tolist() == [[1], [2]]
    old.i.append(3)
    old.f.append(2.5)
    old.b.append(True)
    new = deeplake.open_read_only(mem_url)
    assert new["i"][:].tolist() == [1, 2, 3]
    assert new["f"][:].tolist() == [0.5, 1.5, 2.5]
    assert new["b"][:].tolist() == [True, False, True]
    assert new["i"][2] == 3 and isinstance(new["i"][2], np.integer)


def test_v3_scalar_tensor_reads_as_scalars(mem_url):
    ds = deeplake.empty(mem_url)
    ds.create_tensor("x", dtype="int32")
    ds.x.extend([1, 2, 3])
    v4 = deeplake.open_read_only(mem_url)
    assert v4.schema["x"].dtype == types.Scalar("int32")
    assert v4["x"][:].tolist() == [1, 2, 3]


def test_groups_are_columns_with_paths(mem_url):
    ds = deeplake.empty(mem_url)
    ds.create_tensor("a/b", htype="text")
    ds["a/b"].append("x")
    v4 = deeplake.open(mem_url)
    assert v4.schema.to_dict() == {"a/b": types.Text()}
    assert v4["a/b"][0] == "x"
    v4.append([{"a/b": "y"}])
    assert deeplake.load(mem_url)["a/b"].text() == ["x", "y"]


def test_like_both_orders(tmp_path):
    src = str(tmp_path / "src")
    ds = deeplake.create(src)
    ds.add_column("labels", types.ClassLabel("int32"))
    ds["labels"].metadata["class_names"] = ["a"]
    ds.append([{"labels": 0}])
    v4_dest = deeplake.like(src, str(tmp_path / "d4"))  # Deep Lake 4 order
    assert isinstance(v4_dest, deeplake.Dataset) and len(v4_dest) == 0
    assert v4_dest.schema["labels"].dtype == types.ClassLabel("int32")
    assert v4_dest["labels"].metadata["class_names"] == ["a"]
    v3_dest = deeplake.like(str(tmp_path / "d3"), src)  # Deep Lake 3 order
    assert isinstance(v3_dest, V3Dataset) and list(v3_dest.tensors) == ["labels"]
    from_obj = deeplake.like(ds, str(tmp_path / "d5"))
    assert isinstance(from_obj, deeplake.Dataset)
    from deeplake_core.exceptions import DatasetHandlerError

    with pytest.raises(DatasetHandlerError, match="both"):
        deeplake.like(src, str(tmp_path / "d4"))
    with pytest.raises(DatasetHandlerError):
        deeplake.like(str(tmp_path / "nope1"), str(tmp_path / "nope2"))

"""Deep Lake 3 API reference examples for ``Dataset``, ``Tensor`` and the module
functions, beyond those in test_v3_datasets_tensors.py (see CHECKLIST.md)."""

from __future__ import annotations

import logging
import uuid

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    DatasetHandlerError,
    DynamicTensorNumpyError,
    InvalidSourcePathError,
    ModuleNotInstalledException,
    SampleAppendingError,
    TensorDoesNotExistError,
    TensorDtypeMismatchError,
    UnsupportedParameterException,
)


@pytest.fixture
def ds():
    return deeplake.empty(f"mem://api-{uuid.uuid4().hex}")


@pytest.fixture
def png(tmp_path):
    pil = pytest.importorskip("PIL.Image")

    def make(name: str, shape: tuple[int, ...]) -> str:
        path = tmp_path / name
        pil.fromarray(np.full(shape, 7, dtype="uint8")).save(path)
        return str(path)

    return make


# ------------------------------------------------------------------ module functions


def test_create_tensor_reference_example(tmp_path):
    ds = deeplake.dataset(str(tmp_path / "dataset"))
    ds.create_tensor("images", htype="image", sample_compression="jpg")
    ds.create_tensor("data")
    ds.images.append(np.ones((400, 400, 3), dtype="uint8"))
    ds.data.append(np.zeros((100, 100, 2)))
    assert ds.images.shape == (1, 400, 400, 3)
    assert ds.data.shape == (1, 100, 100, 2)
    cats = ds.create_tensor_like("cats", ds["images"])
    assert cats.htype == "image" and cats._compression == "jpeg" and len(cats) == 0


def test_deepcopy_keeps_history(tmp_path):
    src = deeplake.empty(str(tmp_path / "src"))
    src.create_tensor("abc")
    src.abc.append([1, 2, 3])
    first = src.commit()
    src.abc.append([4, 5, 6])
    dest = deeplake.deepcopy(str(tmp_path / "src"), str(tmp_path / "dest"))
    assert dest.abc.numpy().tolist() == [[1, 2, 3], [4, 5, 6]]
    assert dest.commit_id == first
    with pytest.raises(DatasetHandlerError):
        deeplake.deepcopy(src, str(tmp_path / "dest"))
    again = deeplake.deepcopy(src, str(tmp_path / "dest"), overwrite=True)
    assert len(again.abc) == 2
    with pytest.raises(TypeError):
        deeplake.deepcopy(42, str(tmp_path / "other"))
    with pytest.raises(ValueError):
        deeplake.deepcopy(src, str(tmp_path / "x@main"))


def test_hosted_functions_say_so(ds):
    with pytest.raises(InvalidSourcePathError):
        deeplake.connect("./local/ds", creds_key="k")
    with pytest.raises(UnsupportedParameterException):
        deeplake.connect("s3://bucket/ds", creds_key="k", org_id="org")
    with pytest.raises(UnsupportedParameterException):
        deeplake.list("my_org")
    with pytest.raises(InvalidSourcePathError):
        ds.connect(creds_key="k")
    with pytest.raises(ModuleNotInstalledException):
        ds.visualize()
    assert ds.client is None and ds.token is None
    ds.set_token("abc")
    assert ds.token == "abc"


def test_api_dataset_static_members(tmp_path):
    api = deeplake.api.dataset.dataset
    path = str(tmp_path / "ds")
    ds = api.empty(path)
    assert api.exists(path) and api.init is deeplake.dataset
    ds.create_tensor("x")
    assert list(api.load(path, read_only=True).tensors) == ["x"]
    api.delete(path)
    assert not deeplake.exists(path)
    for name in ("like", "copy", "deepcopy", "rename", "connect", "list", "ingest_coco"):
        assert callable(getattr(api, name))


def test_load_missing_and_logger_name(tmp_path, caplog):
    with pytest.raises(DatasetHandlerError):
        deeplake.load(str(tmp_path / "nothing"))
    assert logging.getLogger("deeplake").name == "deeplake"


# ------------------------------------------------------------------ dataset sample I/O


def test_update_with_read_files(ds, png):
    ds.create_tensor("images", htype="image", sample_compression="png")
    ds.create_tensor("labels", htype="class_label")
    ds.extend({"images": np.zeros((3, 4, 4, 3), dtype="uint8"), "labels": [0, 0, 0]})
    ds[0].update({"images": deeplake.read(png("new_image.png", (6, 6, 3))), "labels": 1})
    assert ds.images[0].shape == (6, 6, 3) and ds.labels[0].numpy().tolist() == [1]
    new_images = [deeplake.read(png(f"new_image_{i}.png", (2, 2, 3))) for i in range(3)]
    ds[:3].update({"images": new_images, "labels": [1, 2, 3]})
    assert ds.images.shape == (3, 2, 2, 3)
    assert ds.labels.numpy().ravel().tolist() == [1, 2, 3]
    with pytest.raises(TypeError):  # in-sample indices are for tensors, so no partial
        ds[0, 1:2]  # update of a sample can be expressed on a dataset view


def test_dataset_append_extend_errors(ds):
    ds.create_tensor("data")
    ds.create_tensor("labels")
    with pytest.raises(KeyError):
        ds.append({"data": 1})
    with pytest.raises(TensorDoesNotExistError):
        ds.append({"data": 1, "labels": 1, "nope": 1})
    with pytest.raises(SampleAppendingError):
        ds.append([1, 2])
    ds.data.append(1)
    with pytest.raises(ValueError):  # tensors of different lengths
        ds.append({"data": 1, "labels": 1})
    ds.append({"labels": 5}, skip_ok=True)
    ds.append({"data": 2}, append_empty=True)
    assert ds.max_view.labels.numpy(aslist=True)[1].tolist() == []


def test_dataset_pop_documented_behaviour(ds):
    ds.create_tensor("a")
    ds.create_tensor("b")
    ds.a.extend([0, 1, 2, 3])
    ds.b.extend([0, 1])
    ds.pop()  # last row of the longest tensor; b is too short to have it
    assert ds.a.numpy().ravel().tolist() == [0, 1, 2] and len(ds.b) == 2
    ds.pop(0)
    assert ds.a.numpy().ravel().tolist() == [1, 2] and ds.b.numpy().ravel().tolist() == [1]
    with pytest.raises(IndexError):
        ds.pop(5)


def test_summary_table_and_force(ds, capsys):
    ds.create_tensor("images", htype="image", sample_compression="png")
    ds.create_tensor("labels", htype="class_label")
    ds.images.extend([np.zeros((4, 5, 3), "uint8"), np.zeros((4, 7, 3), "uint8")])
    ds.labels.extend([0, 1])
    ds.summary()
    out = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(out) if line.split()[:1] == ["tensor"])
    assert out[header].split() == ["tensor", "htype", "shape", "dtype", "compression"]
    assert set(out[header + 1].replace(" ", "")) == {"-"}
    rows = {line.split()[0]: line.split() for line in out[header + 2 :]}
    assert rows["images"][1:] == ["image", "(2,", "4,", "5:7,", "3)", "uint8", "png"]
    assert rows["labels"][1:] == ["class_label", "(2,", "1)", "uint32", "None"]
    ds.labels.summary()
    assert "class_label" in capsys.readouterr().out
    big_view = deeplake.empty(f"mem://big-{uuid.uuid4().hex}")
    big_view.create_tensor("x", dtype="uint8")
    big_view.x.extend(np.zeros((10_001, 1), dtype="uint8"))
    with pytest.raises(ValueError):
        big_view[:].summary()
    big_view[:].summary(force=True)


# ------------------------------------------------------------------ dataset properties


def test_dataset_properties(ds):
    ds.create_tensor("images/cats")
    ds.create_tensor("labels")
    ds["images/cats"].extend([1, 2, 3])
    ds.labels.extend([1, 2])
    assert set(ds.tensors) == {"images/cats", "labels"}
    assert set(ds.groups) == {"images"}
    assert ds.num_samples == 2 and ds.max_len == 3 and ds.min_len == 2
    assert len(ds) == 2 and not ds.read_only and ds.info == {}
    assert ds.meta["tensors"] and ds.parent is None
    grp = ds["images"]
    assert grp.parent.path == ds.path and grp.root.group_index == ""
    assert list(grp.tensors) == ["cats"]
    view = ds[0:2]
    assert view.is_view and not ds.is_view
    assert list(view.sample_indices) == [0, 1] and list(ds[[1]].sample_indices) == [1]
    assert not view.no_view_dataset.is_view
    assert ds.allow_delete
    ds.allow_delete = False
    assert not ds.allow_delete
    with pytest.raises(DatasetHandlerError):
        ds.delete()


# ------------------------------------------------------------------ tensor methods


def test_tensor_append_extend_examples(ds, png):
    tensor = ds.create_tensor("tensor")
    assert len(tensor) == 0
    tensor.append(np.zeros((28, 28, 1)))
    assert len(tensor) == 1
    tensor.extend(np.zeros((100, 28, 28, 1)))
    assert len(tensor) == 101
    files = ds.create_tensor("files", htype="image", sample_compression="png")
    files.append(deeplake.read(png("f0.png", (3, 3, 3))))
    files.extend([deeplake.read(png("f1.png", (3, 3, 3))), deeplake.read(png("f2.png", (3, 5, 3)))])
    assert len(files) == 3 and files[2].shape == (3, 5, 3)
    ints = ds.create_tensor("ints", dtype="int32")
    with pytest.raises(TensorDtypeMismatchError):
        ints.extend(np.full((2, 2), 0.5))


def test_tensor_read_methods(ds, png):
    t = ds.create_tensor("t")
    t.append(np.zeros((10, 10)))
    t.append(np.zeros((10, 15)))
    with pytest.raises(DynamicTensorNumpyError):
        t.numpy()
    assert [a.shape for a in t.numpy(aslist=True)] == [(10, 10), (10, 15)]
    assert t.shapes().tolist() == [[10, 10], [10, 15]]
    assert t.is_dynamic and t.ndim == 3 and t.num_samples == 2
    assert len(t[1:]) == 1 and t[1:].num_samples == 2
    assert t[0].tobytes() == np.zeros((10, 10)).tobytes()
    with pytest.raises(ValueError):
        t.tobytes()
    img = ds.create_tensor("img", htype="image", sample_compression="png")
    path = png("x.png", (3, 4, 3))
    img.append(deeplake.read(path))
    with open(path, "rb") as f:
        assert img[0].tobytes() == f.read()
    assert t.data(aslist=True)["value"][1].shape == (10, 15)


def test_tensor_properties(ds):
    seq = ds.create_tensor("image_seq", htype="sequence[image]", sample_compression="png")
    assert seq.htype == "sequence[image]" and seq.base_htype == "image"
    assert seq.is_sequence and not seq.is_link and not seq.verify
    hid = ds.create_tensor("secret", hidden=True)
    assert hid.hidden and "secret" not in ds.tensors and ds["secret"].hidden
    t = ds.create_tensor("t", dtype="float32")
    t.extend(np.zeros((4, 2)))
    assert t.meta.dtype == "float32" and t._config["dtype"] == np.float32
    assert t[1:3].sample_indices == [1, 2]
    t._check_compatibility_with_htype("embedding")
    with pytest.raises(ValueError):
        t._check_compatibility_with_htype("text")
    t._pop([3, 1])
    assert len(t) == 2
    t.invalidate_libdeeplake_dataset()
    assert t[0].sample_info == {}


def test_util_notebook_helpers():
    from deeplake_core.util.notebook import is_colab, is_jupyter, is_notebook

    assert (is_notebook(), is_jupyter(), is_colab()) == (False, False, False)

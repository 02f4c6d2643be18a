"""Tensor and group management: create/delete/rename, naming errors, groups as nested
datasets, info persistence, hidden tensors, missing plugins."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    InvalidTensorGroupNameError,
    InvalidTensorNameError,
    MissingPluginError,
    RenameError,
    TensorAlreadyExistsError,
    TensorDoesNotExistError,
    TensorGroupAlreadyExistsError,
    TensorGroupDoesNotExistError,
    TensorMetaInvalidHtype,
    TensorMetaInvalidHtypeOverwriteKey,
    TensorMetaMutuallyExclusiveKeysError,
)


@pytest.fixture
def ds():
    return deeplake.empty(f"mem://tg-{uuid.uuid4().hex}")


def test_create_tensor_defaults_and_return(ds):
    t = ds.create_tensor("data")
    assert repr(t) == "Tensor(key='data')"
    assert t.htype == "generic" and t.base_htype == "generic"
    assert ds["data"].key == "data" and ds.data.key == "data"
    assert len(t) == 0 and t.num_samples == 0


def test_create_tensor_errors(ds):
    ds.create_tensor("x")
    with pytest.raises(TensorAlreadyExistsError):
        ds.create_tensor("x")
    assert ds.create_tensor("x", exist_ok=True).key == "x"
    with pytest.raises(InvalidTensorNameError):
        ds.create_tensor("tensors")
    with pytest.raises(TensorMetaInvalidHtype):
        ds.create_tensor("y", htype="no_such_htype")
    with pytest.raises(TensorMetaInvalidHtypeOverwriteKey):
        ds.create_tensor("y", htype="generic", class_names=["a"])
    with pytest.raises(TensorMetaMutuallyExclusiveKeysError):
        ds.create_tensor("y", sample_compression="lz4", chunk_compression="lz4")
    with pytest.raises(ValueError):
        ds.create_tensor("y", downsampling=(2, 3))
    ds.create_group("g")
    with pytest.raises(TensorGroupAlreadyExistsError):
        ds.create_tensor("g")
    assert "y" not in ds


def test_create_tensor_arguments_kept(ds):
    t = ds.create_tensor(
        "e",
        htype="embedding",
        dtype="float32",
        chunk_compression="lz4",
        tiling_threshold=-1,
        max_chunk_size=1 << 20,
        create_id_tensor=False,
    )
    assert t.dtype == np.float32
    assert t.meta.chunk_compression == "lz4"
    assert t.meta.max_chunk_size == 1 << 20
    like = ds.create_tensor_like("e2", t)
    assert like.htype == "embedding" and like.dtype == np.float32
    assert like.meta.chunk_compression == "lz4"


def test_hidden_tensor(ds):
    ds.create_tensor("h", hidden=True)
    ds.create_tensor("v")
    assert "h" not in ds.tensors and ds["h"].hidden
    assert ds.h.key == "h"


def test_groups_nested(ds):
    g = ds.create_group("images")
    g.create_tensor("cats")
    ds["images"].create_tensor("dogs")
    ds.create_group("images/jpg/cats")
    ds["images/jpg"].create_group("more")
    assert set(ds.groups) == {"images"}
    assert set(ds.images.groups) == {"jpg"}
    assert set(ds.tensors) == {"images/cats", "images/dogs"}
    assert set(ds.images.tensors) == {"cats", "dogs"}
    assert ds.images.cats.key == "images/cats"
    assert ds["images/jpg/cats"].parent.group_index == "images/jpg"
    assert ds.images.root.group_index == ""
    with pytest.raises(TensorGroupAlreadyExistsError):
        ds.create_group("images")
    assert ds.create_group("images", exist_ok=True).group_index == "images"
    with pytest.raises(InvalidTensorGroupNameError):
        ds.create_group("summary")
    ds.images.cats.extend([1, 2])
    reopened = deeplake.load(ds.path)
    assert reopened["images/cats"].numpy().ravel().tolist() == [1, 2]
    assert "images/jpg/more" in reopened


def test_tensor_under_tensor_refused(ds):
    ds.create_tensor("a")
    with pytest.raises(TensorAlreadyExistsError):
        ds.create_tensor("a/b")


def test_delete_tensor_and_group(ds):
    ds.create_tensor("a")
    ds.create_tensor("g/b")
    ds.create_tensor("g/h/c")
    with pytest.raises(TensorDoesNotExistError):
        ds.delete_tensor("zzz")
    ds.delete_tensor("a")
    assert "a" not in ds
    with pytest.raises(TensorGroupDoesNotExistError):
        ds.delete_group("nope")
    ds.delete_group("g/h")
    assert set(ds.tensors) == {"g/b"}
    ds.delete_group("g")
    assert ds.tensors == {} and ds.groups == {}
    assert deeplake.load(ds.path).tensors == {}


def test_rename_tensor(ds):
    ds.create_tensor("a")
    ds.a.extend([1, 2])
    ds.create_tensor("b")
    ds.create_tensor("g/c")
    t = ds.rename_tensor("a", "z")
    assert t.numpy().ravel().tolist() == [1, 2]
    assert "a" not in ds and "z" in ds
    with pytest.raises(TensorDoesNotExistError):
        ds.rename_tensor("a", "q")
    with pytest.raises(TensorAlreadyExistsError):
        ds.rename_tensor("z", "b")
    with pytest.raises(TensorGroupAlreadyExistsError):
        ds.rename_tensor("z", "g")
    with pytest.raises(InvalidTensorNameError):
        ds.rename_tensor("z", "info")
    with pytest.raises(RenameError):
        ds.rename_tensor("z", "g/z")
    ds.g.rename_tensor("c", "d")
    assert set(ds.g.tensors) == {"d"}
    assert deeplake.load(ds.path).z.numpy().ravel().tolist() == [1, 2]


def test_rename_group(ds):
    ds.create_tensor("g/a")
    ds.g.a.append(7)
    ds.create_tensor("other")
    ds.rename_group("g", "h")
    assert ds.h.a.numpy().tolist() == [[7]]
    assert "g" not in ds
    with pytest.raises(TensorGroupDoesNotExistError):
        ds.rename_group("g", "k")
    with pytest.raises(TensorAlreadyExistsError):
        ds.rename_group("h", "other")
    with pytest.raises(RenameError):
        ds.create_group("x/y")
        ds.rename_group("x/y", "z")


def test_info_persisted(ds):
    ds.info.update(description="d")
    ds.create_tensor("images")
    ds.images.info.update(large=True, gray=False)
    assert ds.images.info == {"large": True, "gray": False} or dict(ds.images.info) == {
        "large": True,
        "gray": False,
    }
    ds.images.info = {"complete": True}
    again = deeplake.load(ds.path)
    assert dict(again.images.info) == {"complete": True}
    assert again.info["description"] == "d"


def test_attribute_errors(ds):
    with pytest.raises(AttributeError):
        _ = ds.not_a_tensor
    with pytest.raises(TensorDoesNotExistError):
        _ = ds["not_a_tensor"]


def test_missing_plugin_reported_other_tensors_read(ds):
    from deeplake_core.plugins import get_registry

    ds.create_tensor("ok")
    ds.ok.extend([1, 2, 3])
    ds.create_tensor("lbl", htype="class_label")
    ds.lbl.append(1)
    entry = ds._state.manifest.tensors["lbl"]
    entry.requires[0].name = "acme.xray"
    entry.requires[0].distribution = "acme-htypes"
    ds._state.mark_meta()
    ds.flush()
    assert "acme.xray" not in get_registry().htypes
    again = deeplake.load(ds.path)
    assert again.ok.numpy().ravel().tolist() == [1, 2, 3]
    with pytest.raises(MissingPluginError, match="acme-htypes"):
        again.lbl.numpy()

"""The Metadata, Version/History and Tag examples of the Deep Lake 4 reference."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import ReadOnlyModeError, TagNotFoundError


def _dataset(path: str) -> deeplake.Dataset:
    ds = deeplake.create(path)
    ds.add_column("images", deeplake.types.Array("float32", dimensions=2))
    ds.add_column("labels", deeplake.types.ClassLabel("int32"))
    ds.append([{"images": np.ones((2, 2)), "labels": 0}])
    return ds


def test_dataset_metadata(tmp_path):
    path = str(tmp_path / "ds")
    ds = _dataset(path)
    ds.metadata["model_name"] = "resnet50"
    ds.metadata["hyperparameters"] = {"learning_rate": 0.001, "batch_size": 32}
    ds.metadata["description"] = "Training dataset"
    ds.metadata["version"] = "1.0"
    ds.metadata["params"] = {
        "image_size": 224,
        "mean": [0.485, 0.456, 0.406],
        "std": [0.229, 0.224, 0.225],
    }
    assert isinstance(ds.metadata, deeplake.Metadata)
    assert isinstance(ds.metadata, deeplake.ReadOnlyMetadata)
    description = ds.metadata["description"]
    params = ds.metadata["params"]
    assert description == "Training dataset" and params["image_size"] == 224
    listed = {key: ds.metadata[key] for key in ds.metadata.keys()}  # noqa: SIM118 - as in the docs
    assert set(listed) == {"model_name", "hyperparameters", "description", "version", "params"}
    # persisted at once, without commit: another open sees it, history has no commit
    assert deeplake.open_read_only(path).metadata["hyperparameters"]["batch_size"] == 32
    assert len(ds.history) == 0
    # read access through a read-only dataset
    metadata = deeplake.open_read_only(path).metadata
    model_name = metadata["model_name"]
    model_params = metadata["hyperparameters"]
    assert model_name == "resnet50" and model_params["learning_rate"] == 0.001
    with pytest.raises(ReadOnlyModeError):
        metadata["model_name"] = "vit"


def test_column_metadata(tmp_path):
    path = str(tmp_path / "ds")
    dataset = _dataset(path)
    dataset.images.metadata["mean"] = [0.485, 0.456, 0.406]
    dataset.images.metadata["std"] = [0.229, 0.224, 0.225]
    ds = dataset
    ds["labels"].metadata["class_names"] = ["cat", "dog", "bird"]
    mean = ds["images"].metadata["mean"]
    class_names = ds["labels"].metadata["class_names"]
    assert mean == [0.485, 0.456, 0.406] and class_names == ["cat", "dog", "bird"]
    ro = deeplake.open_read_only(path)
    assert ro["images"].metadata["std"] == [0.229, 0.224, 0.225]
    with pytest.raises(ReadOnlyModeError):
        ro["labels"].metadata["class_names"] = []
    # metadata keys are JSON: numpy values are stored as numbers/lists
    ds["images"].metadata["scale"] = np.float32(0.5)
    assert ds["images"].metadata["scale"] == 0.5
    with pytest.raises(TypeError):
        ds["images"].metadata["bad"] = object()


def test_version_and_history(tmp_path):
    ds = _dataset(str(tmp_path / "ds"))
    first = ds.commit("first")
    ds.append([{"images": np.zeros((2, 2)), "labels": 1}])
    second = ds.commit("second")
    version_id = ds.version
    assert version_id == second
    version = ds.history[version_id]
    assert version.id == second and version.message == "second"
    assert isinstance(version.timestamp, datetime.datetime)
    assert isinstance(version.client_timestamp, datetime.datetime)
    old_ds = ds.history[first].open()
    assert isinstance(old_ds, deeplake.ReadOnlyDataset) and len(old_ds) == 1
    assert [v.message for v in ds.history] == ["first", "second"]
    first_version = ds.history[0]
    latest_version = ds.history[-1]
    assert (first_version.id, latest_version.id) == (first, second)
    assert isinstance(ds.history, deeplake_history_class())
    assert ds.history[0].open_async().result()["labels"][:].tolist() == [0]


def deeplake_history_class() -> type:
    from deeplake_core.core.vc.tags import History

    return History


def test_tags(tmp_path):
    path = str(tmp_path / "ds")
    ds = _dataset(path)
    v1 = ds.commit("v1")
    ds.tag("v1.0")
    tag = ds.tags["v1.0"]
    assert tag.name == "v1.0" and tag.version == v1
    tagged_ds = tag.open()
    assert len(tagged_ds) == 1
    ds.append([{"images": np.zeros((2, 2)), "labels": 1}])
    ds.commit("v2")
    ds.tag("stable", version=v1)
    assert ds.tags["stable"].version == v1
    for name in ds.tags.names():
        t = ds.tags[name]
        assert t.version == v1
    assert len(ds.tags) == 2
    assert len(ds.tags["stable"].open_async().result()) == 1
    tag.rename("v1.0.0")
    assert ds.tags.names() == ["stable", "v1.0.0"]
    ds.tags["stable"].delete()
    with pytest.raises(TagNotFoundError):
        ds.tags["non_existent"]
    # a read-only dataset: TagView / TagsView
    ro = deeplake.open_read_only(path)
    tag_view = ro.tags["v1.0.0"]
    assert (tag_view.name, tag_view.version) == ("v1.0.0", v1)
    assert len(tag_view.open()) == 1
    with pytest.raises(AttributeError):
        tag_view.delete()


def test_view_tag_keeps_rows(tmp_path):
    ds = _dataset(str(tmp_path / "ds"))
    ds.append([{"images": np.zeros((2, 2)), "labels": i % 2} for i in range(5)])
    ds.commit("data")
    view = ds.query("SELECT * WHERE labels = 1")
    view.tag("ones")
    reopened = ds.tags["ones"].open()
    assert isinstance(reopened, deeplake.DatasetView)
    assert reopened.sample_indices == view.sample_indices
    assert list(reopened["labels"][:]) == [1, 1]


def test_branches(tmp_path):
    path = str(tmp_path / "ds")
    ds = _dataset(path)
    ds.commit("base")
    branch = ds.branch("exp")
    assert ds.current_branch == "main" and branch.name == "exp"
    assert set(ds.branches.names()) == {"main", "exp"}
    exp = ds.branches["exp"].open()
    exp.append([{"images": np.zeros((2, 2)), "labels": 1}])
    exp.commit("on exp")
    assert len(exp) == 2 and len(ds) == 1
    del exp
    ds.merge("exp")
    assert len(ds) == 2

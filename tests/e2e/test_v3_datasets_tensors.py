"""The Deep Lake 3 documentation examples for datasets, tensors and htype basics,
run against deeplake-core (``import deeplake_core as deeplake``) with local data."""

from __future__ import annotations

import numpy as np
import pytest

import deeplake_core as deeplake


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "test_ds")


def test_append_to_multiple_tensors(path):
    ds = deeplake.empty(path)
    assert repr(ds.create_tensor("data")) == "Tensor(key='data')"
    assert repr(ds.create_tensor("labels")) == "Tensor(key='labels')"
    ds.append({"data": [1, 2, 3, 4], "labels": [0, 1, 2, 3]})
    assert len(ds) == 1


def test_create_tensor_and_append(path):
    ds = deeplake.dataset(path)
    ds.create_tensor("images", dtype="uint8")
    ds.create_tensor("data")
    ds.images.append(np.ones((400, 400, 3), dtype="uint8"))
    ds.data.append(np.zeros((100, 100, 2)))
    assert ds.images.shape == (1, 400, 400, 3)
    assert ds.data[0].numpy().shape == (100, 100, 2)


def test_groups_example(path):
    ds = deeplake.empty(path)
    ds.create_group("images")
    ds["images"].create_tensor("cats")
    ds.create_groups("images/jpg/cats")
    ds["images"].create_tensor("png")
    ds["images/jpg"].create_group("dogs")
    ds.delete_group("images/jpg/dogs")
    ds.delete_tensor("images/cats")
    assert set(ds.tensors) == {"images/png"}


def test_tensor_len_and_extend():
    ds = deeplake.empty("mem://e2e-len")
    tensor = ds.create_tensor("tensor")
    assert len(tensor) == 0
    tensor.extend(np.zeros((100, 10, 10)))
    assert len(tensor) == 100
    assert len(tensor[5:10]) == 5
    tensor.extend(np.zeros((100, 28, 28, 1))[:, :10, :10, 0])
    assert len(tensor) == 200


def test_setitem_changes_shape():
    ds = deeplake.empty("mem://e2e-setitem", overwrite=True)
    tensor = ds.create_tensor("tensor")
    tensor.append(np.zeros((10, 10)))
    assert tensor.shape == (1, 10, 10)
    tensor[0] = np.zeros((3, 3))
    assert tensor.shape == (1, 3, 3)


def test_shape_and_shape_interval():
    ds = deeplake.empty("mem://e2e-shape", overwrite=True)
    tensor = ds.create_tensor("tensor")
    tensor.append(np.zeros((10, 10)))
    tensor.append(np.zeros((10, 15)))
    assert tensor.shape == (2, 10, None)
    assert str(tensor.shape_interval) == "(2, 10, 10:15)"
    assert tuple(tensor.shape_interval.lower) == (2, 10, 10)
    assert tuple(tensor.shape_interval.upper) == (2, 10, 15)


def test_tensor_info_example():
    ds = deeplake.empty("mem://e2e-info", overwrite=True)
    ds.create_tensor("images")
    ds.images.info.update(large=True, gray=False)
    assert dict(ds.images.info) == {"large": True, "gray": False}
    ds.images.info = {"complete": True}
    assert dict(ds.images.info) == {"complete": True}


def test_class_label_basics():
    ds = deeplake.empty("mem://e2e-cl", overwrite=True)
    ds.create_tensor("labels", htype="class_label", class_names=["cat", "dog"])
    ds.labels.extend([0, 1, 1])
    assert ds.labels.info.class_names == ["cat", "dog"]
    assert ds.labels.numpy().ravel().tolist() == [0, 1, 1]
    assert ds.labels.dtype == np.uint32


def test_text_json_list_examples():
    ds = deeplake.empty("mem://e2e-forms", overwrite=True)
    ds.create_tensor("text", htype="text")
    ds.text.append("Hello, World!")
    ds.create_tensor("json", htype="json")
    ds.json.append({"key": "value"})
    ds.create_tensor("list", htype="list")
    ds.list.append(["a", "b"])
    assert ds.text[0].text() == "Hello, World!"
    assert ds.json[0].dict() == {"key": "value"}
    assert ds.list[0].list() == ["a", "b"]


def test_bbox_and_embedding():
    ds = deeplake.empty("mem://e2e-bbox", overwrite=True)
    ds.create_tensor("boxes", htype="bbox", coords={"type": "fractional", "mode": "LTWH"})
    ds.boxes.append(np.array([[0.1, 0.2, 0.3, 0.4]], dtype="float32"))
    assert ds.boxes.info.coords == {"type": "fractional", "mode": "LTWH"}
    ds.create_tensor("embeddings", htype="embedding", dtype=np.float32)
    ds.embeddings.extend(np.random.rand(5, 32).astype("float32"))
    assert ds.embeddings.numpy().shape == (5, 32)


def test_max_view_example(path):
    ds = deeplake.dataset(path, overwrite=True)
    ds.create_tensor("images")
    ds.create_tensor("labels", htype="class_label")
    ds.images.extend(np.zeros((5, 20, 20, 3), dtype="uint8"))
    ds.labels.extend([0, 1, 2, 1])
    assert len(ds.images) == 5 and len(ds.labels) == 4
    rows = [(s["images"].shape, s["labels"].numpy().tolist()) for s in ds.max_view]
    assert rows[-1] == ((20, 20, 3), [None])
    assert len([s for s in ds.min_view]) == 4


def test_random_split_example(path):
    ds = deeplake.dataset(path, overwrite=True)
    ds.create_tensor("labels", htype="class_label")
    ds.labels.extend([0, 1, 2, 1, 3])
    assert len(ds) == 5
    train_ds, val_ds = ds.random_split([0.8, 0.2])
    assert (len(train_ds), len(val_ds)) == (4, 1)
    train_ds, val_ds = ds.random_split([3, 2])
    assert (len(train_ds), len(val_ds)) == (3, 2)


def test_update_example():
    ds = deeplake.empty("mem://e2e-update", overwrite=True)
    ds.create_tensor("images", dtype="uint8")
    ds.create_tensor("labels", htype="class_label")
    ds.extend({"images": np.zeros((3, 4, 4, 3), dtype="uint8"), "labels": [0, 0, 0]})
    ds[0].update({"images": np.ones((4, 4, 3), dtype="uint8"), "labels": 1})
    ds[:3].update({"images": [np.ones((2, 2, 3), dtype="uint8")] * 3, "labels": [1, 2, 3]})
    assert ds.labels.numpy().ravel().tolist() == [1, 2, 3]
    assert ds.images.shape == (3, 2, 2, 3)


def test_rename_delete_copy(tmp_path):
    src = str(tmp_path / "image_ds")
    ds = deeplake.empty(src)
    ds.create_tensor("x")
    ds.x.extend([1, 2, 3])
    ds.rename(str(tmp_path / "renamed_dataset"))
    copied = deeplake.copy(str(tmp_path / "renamed_dataset"), str(tmp_path / "copy"))
    assert copied.x.numpy().ravel().tolist() == [1, 2, 3]
    deeplake.delete(str(tmp_path / "copy"))
    assert not deeplake.exists(str(tmp_path / "copy"))


def test_videos_style_multi_axis_indexing():
    ds = deeplake.empty("mem://e2e-axis", overwrite=True)
    ds.create_tensor("videos", dtype="uint8")
    clip = np.arange(20 * 2 * 2, dtype="uint8").reshape(20, 2, 2)
    ds.videos.append(clip)
    np.testing.assert_array_equal(ds.videos[0, 5:10].numpy(), clip[5:10])


def test_loop_with_context_manager(path):
    ds = deeplake.empty(path)
    ds.create_tensor("labels")
    with ds:
        for i in range(100):
            ds.labels.append(i)
    assert deeplake.load(path, read_only=True).labels.numpy().ravel().tolist() == list(range(100))

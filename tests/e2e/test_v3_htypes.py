"""The Deep Lake 3 htype chapter's examples (basic htypes), run with local data.

Each test follows one documented example and checks what the docs state (shapes,
dtypes, info updates, errors); documented contradictions are settled as in
docs/compat.md (e.g. the sequence numpy layout, 9 values per 3-D box)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    SampleHtypeMismatchError,
    TensorInvalidSampleShapeError,
    TensorMetaInvalidHtype,
    UnsupportedCompressionError,
)


@pytest.fixture
def ds():
    return deeplake.empty(f"mem://htypes-{uuid.uuid4().hex}")


CLASSES = ["airplanes", "cars", "birds", "cats", "deer", "dogs", "frogs", "horses", "ships"]


def test_htype_defaults_to_generic(ds):
    t = ds.create_tensor("my_tensor")
    assert t.htype == "generic" and t.dtype is None
    t.append(np.zeros((2, 2), dtype="float32"))
    assert t.dtype == np.float32
    with pytest.raises(TensorMetaInvalidHtype):
        ds.create_tensor("bad", htype="no_such_htype")


def test_htype_config_table_dtypes(ds):
    expected = {
        "class_label": "uint32",
        "bbox": "float32",
        "bbox.3d": "float32",
        "intrinsics": "float32",
        "segment_mask": "uint32",
        "binary_mask": "bool",
        "keypoints_coco": "int32",
        "point": "int32",
        "polygon": "float32",
        "instance_label": "uint32",
    }
    for htype, dtype in expected.items():
        t = ds.create_tensor(htype.replace(".", "_"), htype=htype)
        assert t.dtype == np.dtype(dtype), htype
    assert ds.create_tensor("text", htype="text").dtype == np.dtype(str)
    assert ds.create_tensor("emb", htype="embedding").dtype is None


def test_class_label_examples(ds):
    ds.create_tensor("labels", htype="class_label", class_names=CLASSES, chunk_compression="lz4")
    assert ds.labels.info.class_names == CLASSES
    ds.labels.info.update(class_names=[*CLASSES, "trucks"])
    assert ds.labels.info.class_names[-1] == "trucks"
    ds.labels.append(0)
    ds.labels.append(np.zeros((5,), dtype=np.uint32))
    ds.labels.extend([[0, 1, 2], [1, 3]])
    ds.labels.append(["cars", "airplanes"])
    assert ds.labels.numpy(aslist=True)[-1].tolist() == [1, 0]
    ds.labels.append(["zebra"])  # a new string extends class_names
    assert ds.labels.info.class_names[-1] == "zebra"
    assert ds.labels.shape == (6, None)
    data = ds.labels[4].data()
    assert data["value"].tolist() == [1, 0] and data["text"] == ["cars", "airplanes"]
    with pytest.raises(UnsupportedCompressionError):
        ds.create_tensor("l2", htype="class_label", chunk_compression="png")


def test_tag_examples(ds):
    ds.create_tensor("tags", htype="tag", chunk_compression="lz4")
    ds.tags.append("verified")
    ds.tags.extend(["verified", "unverified"])
    assert ds.tags.list() == [["verified"], ["verified"], ["unverified"]]
    ds.tags.append(["a", "b"])
    assert ds.tags[3].list() == ["a", "b"]
    assert ds.tags.data()["value"][3] == ["a", "b"]


def test_bbox_examples(ds):
    ds.create_tensor("boxes", htype="bbox", coords={"type": "fractional", "mode": "CCWH"})
    ds.boxes.info.update(coords={"type": "pixel", "mode": "LTRB"})
    assert ds.boxes.info.coords == {"type": "pixel", "mode": "LTRB"}
    box = np.array([[462, 123, 238, 98]])
    ds.boxes.append(box)
    boxes = np.array([[965, 110, 262, 77], [462, 123, 238, 98], [688, 108, 279, 116]])
    assert boxes.shape == (3, 4)
    ds.boxes.append(boxes)
    ds.boxes.append([[1, 2, 3, 4]])  # list
    ds.boxes.append([np.array([1, 2, 3, 4])])  # list of arrays
    assert ds.boxes.shape == (4, None, 4)
    assert ds.boxes.dtype == np.float32
    np.testing.assert_array_equal(ds.boxes[1].numpy(), boxes)
    with pytest.raises(TensorInvalidSampleShapeError):
        ds.boxes.append(np.zeros((2, 5)))


def test_bbox_3d_examples(ds):
    ds.create_tensor("3d_boxes", htype="bbox.3d", coords={"mode": "center"})
    box = np.array([[462, 123, 238, 98, 22, 36, 44, 18, 0]])
    ds["3d_boxes"].append(box)
    boxes = np.array(
        [
            [965, 110, 262, 77, 22, 36, 44, 18, 0],
            [462, 123, 238, 98, 26, 34, 24, 19, 0],
            [688, 108, 279, 116, 12, 32, 14, 38, 0],
        ]
    )
    ds["3d_boxes"].append(boxes)
    assert ds["3d_boxes"].shape == (2, None, 9)
    ds.create_tensor("vboxes", htype="bbox.3d", coords={"mode": "vertex"})
    ds.vboxes.append(np.zeros((2, 8, 3)))
    assert ds.vboxes.shape == (1, 2, 8, 3)


def test_intrinsics_example(ds):
    ds.create_tensor("intrinsics", htype="intrinsics")
    intrinsic_params = np.zeros((3, 3))
    ds.intrinsics.append(intrinsic_params)
    assert ds.intrinsics.dtype == np.float32
    assert ds.intrinsics[0].numpy().shape[-2:] == (3, 3)
    ds.create_tensor("k", htype="intrinsic")  # the table's spelling is an alias
    assert ds.k.htype == "intrinsics"


def test_segment_mask_example(ds):
    classes = ["background", "aeroplane", "bicycle", "bird", "boat", "bottle"]
    ds.create_tensor("masks", htype="segment_mask", class_names=classes, sample_compression="lz4")
    ds.masks.info.update(class_names=classes)
    ds.masks.append(np.zeros((512, 512)))
    assert ds.masks.shape == (1, 512, 512) and ds.masks.dtype == np.uint32
    assert ds.masks.info.class_names == classes


def test_binary_mask_example(ds):
    ds.create_tensor("masks", htype="binary_mask", sample_compression="lz4")
    ds.create_tensor("labels", htype="class_label")
    ds.masks.append(np.zeros((512, 512, 5), dtype="bool"))
    ds.labels.append(["aeroplane", "aeroplane", "bottle", "bottle", "bird"])
    assert ds.masks.shape == (1, 512, 512, 5) and ds.masks.dtype == bool
    assert ds.labels[0].numpy().tolist() == [0, 0, 1, 1, 2]
    assert ds.labels.info.class_names == ["aeroplane", "bottle", "bird"]


def test_keypoints_coco_example(ds):
    ds.create_tensor(
        "keypoints",
        htype="keypoints_coco",
        keypoints=["knee", "elbow", "head"],
        connections=[[0, 1], [1, 2]],
    )
    assert ds.keypoints.info.keypoints == ["knee", "elbow", "head"]
    ds.keypoints.info.update(keypoints=["left ear", "right ear", "nose"])
    ds.keypoints.info.update(connections=[[0, 2], [1, 2]])
    kp_arr = np.array(
        [
            [465, 398, 684, 469],
            [178, 363, 177, 177],
            [2, 2, 2, 1],
            [454, 387, 646, 478],
            [177, 322, 137, 161],
            [2, 2, 2, 2],
            [407, 379, 536, 492],
            [271, 335, 150, 143],
            [2, 1, 2, 2],
        ]
    )
    assert kp_arr.shape == (9, 4)
    ds.keypoints.append(kp_arr)
    assert ds.keypoints.shape == (1, 9, 4) and ds.keypoints.dtype == np.int32
    assert ds.keypoints.info.connections == [[0, 2], [1, 2]]


def test_point_examples(ds):
    ds.create_tensor("points", htype="point", sample_compression=None)
    ds.points.append([[0, 1], [1, 3]])
    ds.create_tensor("points3d", htype="point", sample_compression=None)
    ds.points3d.append(np.zeros((2, 3)))
    assert ds.points.shape == (1, 2, 2) and ds.points3d.shape == (1, 2, 3)
    assert ds.points.dtype == np.int32


def test_polygon_examples(ds):
    ds.create_tensor("polygons", htype="polygon", sample_compression=None)
    poly1 = [(1, 2), (2, 3), (3, 4)]
    poly2 = [(10, 12), (14, 19)]
    poly3 = [(33, 32), (54, 67), (67, 43), (56, 98)]
    ds.polygons.append([poly1, poly2, poly3])
    ds.polygons.append(np.random.randint(0, 10, (5, 7, 2)))  # 5 polygons with 7 points
    polys = [np.random.randint(0, 10, (n, 2)) for n in (5, 8, 3)]
    ds.polygons.append(polys)
    assert ds.polygons.shape == (3, None, None, 2)
    assert ds.polygons.shapes().tolist() == [[3, 4, 2], [5, 7, 2], [3, 8, 2]]
    got = ds.polygons.numpy()  # always a list: polygons differ in length
    assert isinstance(got, list) and [p.shape for p in got[0]] == [(3, 2), (2, 2), (4, 2)]
    np.testing.assert_array_equal(got[2][1], polys[1])
    assert ds.polygons[0].numpy()[2].tolist() == [list(p) for p in poly3]
    ds.create_tensor("polygons3d", htype="polygon", sample_compression=None)
    ds.polygons3d.append(
        [[(10, 2, 9), (12, 3, 8), (12, 10, 4)], [(10, 1, 8), (5, 17, 11)]],
    )
    assert ds.polygons3d[0].shape == (2, 3, 3)
    with pytest.raises(TensorInvalidSampleShapeError):  # 2-D and 3-D points mixed
        ds.polygons.append([[(1, 2), (3, 4)], [(1, 2, 3)]])


def test_embedding_examples(ds):
    ds.create_tensor("embedding", htype="embedding")
    ds.embedding.append(np.random.uniform(low=-1, high=1, size=(1024)))
    ds.embedding.extend([np.random.uniform(low=-1, high=1, size=(1024)) for _ in range(10)])
    assert ds.embedding.shape == (11, 1024) and ds.embedding.dtype == np.float64
    ds.create_tensor("emb_lz4", htype="embedding", sample_compression="lz4")
    ds.emb_lz4.append(np.ones(8, dtype="float32"))
    assert ds.emb_lz4[0].numpy().tolist() == [1.0] * 8


def test_text_json_list_read_forms(ds):
    ds.create_tensor("text", htype="text")
    ds.text.extend(["hello", "wörld"])
    assert ds.text.text() == ["hello", "wörld"] and ds.text[0].text() == "hello"
    assert ds.text.numpy().shape == (2, 1) and ds.text.numpy()[1, 0] == "wörld"
    assert ds.text[0].numpy().tolist() == ["hello"]
    assert ds.text.data() == {"value": ["hello", "wörld"]}
    assert ds.text.shape == (2, 1)
    ds.create_tensor("json", htype="json")
    ds.json.extend([{"a": 1}, [1, {"b": None}]])
    assert ds.json.dict() == [{"a": 1}, [1, {"b": None}]]
    assert ds.json[0].data() == {"value": {"a": 1}}
    assert ds.json.numpy().shape == (2, 1) and ds.json.numpy()[0, 0] == {"a": 1}
    ds.create_tensor("list", htype="list")
    ds.list.extend([["a", 1], ["b", 2]])
    assert ds.list.list() == [["a", 1], ["b", 2]]
    assert ds.list[1].data() == {"value": ["b", 2]}
    assert ds.list.numpy().shape == (2, 2)
    with pytest.raises(deeplake.exceptions.InvalidOperationError):
        ds.list.text()
    with pytest.raises(SampleHtypeMismatchError):
        ds.text.append(5)


def test_sequence_examples(ds):
    ds.create_tensor("seq", htype="sequence")
    ds.seq.append([1, 2, 3])
    ds.seq.append([4, 5, 6])
    np.testing.assert_array_equal(
        ds.seq.numpy(), np.array([[[1], [2], [3]], [[4], [5], [6]]])
    )  # one axis per item (docs/compat.md)
    assert ds.seq.htype == "sequence[generic]" and ds.seq.is_sequence
    assert ds.seq.base_htype == "generic"
    ds.create_tensor("text_seq", htype="sequence[text]")
    ds.text_seq.append(["a", "longer text"])
    assert ds.text_seq[0].text() == ["a", "longer text"]


def test_sequence_of_images_from_files(ds, tmp_path):
    pil = pytest.importorskip("PIL.Image")
    for name, shape in (("img01.jpg", (20, 30, 3)), ("img02.jpg", (10, 12, 3))):
        pil.fromarray(np.zeros(shape, dtype="uint8")).save(tmp_path / name)
    ds.create_tensor("image_seq", htype="sequence[image]", sample_compression="jpg")
    ds.image_seq.append(
        [deeplake.read(str(tmp_path / "img01.jpg")), deeplake.read(str(tmp_path / "img02.jpg"))]
    )
    assert ds.image_seq.base_htype == "image"
    assert [a.shape for a in ds.image_seq[0].numpy(aslist=True)] == [(20, 30, 3), (10, 12, 3)]
    assert ds.image_seq.shape == (1, 2, None, None, 3)


def test_image_array_example(ds):
    ds.create_tensor("images", htype="image", sample_compression="png")
    ds.images.append(np.zeros((5, 5, 3), dtype=np.uint8))
    assert ds.images.shape == (1, 5, 5, 3) and ds.images.dtype == np.uint8
    with pytest.raises(deeplake.exceptions.TensorMetaMissingRequiredValue):
        ds.create_tensor("no_compression", htype="image")

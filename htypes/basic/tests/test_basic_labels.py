import numpy as np
import pytest

from deeplake_core.exceptions import (
    SampleHtypeMismatchError,
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
)
from deeplake_core.htype import build_tensor_config, coerce_samples, present

CLASSES = ["airplanes", "cars", "birds"]


@pytest.fixture
def labels():
    cfg = build_tensor_config("class_label", class_names=CLASSES, chunk_compression="lz4")
    return cfg, dict(cfg.info)


def test_documented_appends(labels):
    cfg, info = labels
    out: list = []
    for batch in (
        [0],
        [np.zeros((5,), dtype=np.uint32)],
        [[0, 1, 2], [1, 3]],
        [["cars", "airplanes"]],
    ):
        out.extend(list(coerce_samples(cfg, batch, info)))
    assert [a.tolist() for a in out] == [[0], [0] * 5, [0, 1, 2], [1, 3], [1, 0]]
    assert all(a.dtype == np.uint32 for a in out)
    assert info["class_names"] == CLASSES


def test_new_strings_extend_class_names(labels):
    cfg, info = labels
    out = coerce_samples(cfg, ["deer", ["cars", "frogs"], np.array(["deer"])], info)
    assert [a.tolist() for a in out] == [[3], [1, 4], [3]]
    assert info["class_names"] == [*CLASSES, "deer", "frogs"]


def test_string_batch_array(labels):
    cfg, info = labels
    out = coerce_samples(cfg, np.array(["birds", "ships"]), info)
    assert [a.tolist() for a in out] == [[2], [3]]
    assert info["class_names"][-1] == "ships"


def test_class_names_unset(labels):
    cfg = build_tensor_config("class_label")
    info = {}
    coerce_samples(cfg, ["a", "b", "a"], info)
    assert info == {"class_names": ["a", "b"]}


def test_info_untouched_on_failure(labels):
    cfg, info = labels
    with pytest.raises(TensorDtypeMismatchError):
        coerce_samples(cfg, ["new_label", [-1]], info)
    assert info["class_names"] == CLASSES
    with pytest.raises(TensorInvalidSampleShapeError):
        coerce_samples(cfg, ["other", np.zeros((2, 2))], info)
    assert info["class_names"] == CLASSES


def test_numeric_batch_fast_path(labels):
    cfg, info = labels
    batch = np.arange(1000, dtype=np.uint32)
    out = coerce_samples(cfg, batch, info)
    assert out.shape == (1000, 1) and out.dtype == np.uint32


def test_data_gives_label_text(labels):
    cfg, info = labels
    stored = coerce_samples(cfg, [["cars", "birds"], [0], [7]], info)
    data = present(cfg, stored, info, "data", aslist=True)
    assert data["text"] == [["cars", "birds"], ["airplanes"], [None]]
    single = present(cfg, stored[:1], info, "data", single=True)
    assert single["value"].tolist() == [1, 2] and single["text"] == ["cars", "birds"]
    batch = coerce_samples(cfg, [1, 2], info)
    assert present(cfg, batch, info, "data")["text"] == [["cars"], ["birds"]]


def test_sequence_of_class_labels():
    cfg = build_tensor_config("sequence[class_label]")
    info = {}
    out = coerce_samples(cfg, [["a", "b"], ["b"]], info)
    assert info == {"class_names": ["a", "b"]}
    assert [[i.tolist() for i in s] for s in out] == [[[0], [1]], [[1]]]
    assert present(cfg, out, info, "data", aslist=True)["text"] == [[["a"], ["b"]], [["b"]]]


def test_tags():
    cfg = build_tensor_config("tag", chunk_compression="lz4")
    out = coerce_samples(cfg, ["verified", ["a", "b"], np.array(["x", "y"]), None], {})
    assert present(cfg, out, {}, "list") == [["verified"], ["a", "b"], ["x", "y"], []]
    numpy = present(cfg, out, {}, "numpy", aslist=True)
    assert numpy[1].dtype.kind == "U" and numpy[1].tolist() == ["a", "b"]
    extended = coerce_samples(cfg, np.array(["verified", "unverified"]), {})
    assert present(cfg, extended, {}, "list") == [["verified"], ["unverified"]]
    assert present(cfg, extended, {}, "numpy").shape == (2, 1)


@pytest.mark.parametrize("sample", [1, [1, "a"], {"a": "b"}])
def test_tags_are_strings(sample):
    with pytest.raises(SampleHtypeMismatchError, match=r"string"):
        coerce_samples(build_tensor_config("tag"), [sample], {})


def test_segment_mask():
    cfg = build_tensor_config("segment_mask", class_names=["bg", "boat"], sample_compression="lz4")
    out = coerce_samples(cfg, [np.zeros((512, 512))], dict(cfg.info))
    assert out.shape == (1, 512, 512) and out.dtype == np.uint32
    with pytest.raises(TensorInvalidSampleShapeError):
        coerce_samples(cfg, [np.zeros((4, 4, 1))], {})
    with pytest.raises(TensorDtypeMismatchError):
        coerce_samples(cfg, [np.full((2, 2), 0.5)], {})


def test_instance_label():
    cfg = build_tensor_config("instance_label")
    assert coerce_samples(cfg, [[1, 2, 3]], {}).dtype == np.uint32

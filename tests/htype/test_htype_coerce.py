import time

import numpy as np
import pytest
from htype_fakes import FakeLink, FakePartial, FakeSample, HasArray, registry
from hypothesis import given
from hypothesis import strategies as st

from deeplake_core.exceptions import (
    SampleCompressionError,
    SampleHtypeMismatchError,
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
    UnsupportedTensorTypeError,
)
from deeplake_core.htype import build_tensor_config, coerce_samples


@pytest.fixture(scope="module")
def reg():
    return registry()


def cfg_of(reg, htype="generic", **kwargs):
    return build_tensor_config(htype, registry=reg, **kwargs)


def coerce(reg, cfg, samples, info=None, **kwargs):
    return coerce_samples(cfg, samples, info, registry=reg, **kwargs)


# ------------------------------------------------------------------ numeric fast paths


def test_big_batch_is_not_copied(reg):
    batch = np.zeros((1_000_000, 128), dtype=np.float32)
    cfg = cfg_of(reg, dtype="float32")
    start = time.perf_counter()
    out = coerce(reg, cfg, batch, {})
    assert time.perf_counter() - start < 0.05
    assert out is batch


def test_big_batch_cast_once(reg):
    batch = np.ones((200_000, 16), dtype=np.int16)
    out = coerce(reg, cfg_of(reg, dtype="float32"), batch)
    assert out.dtype == np.float32 and out.shape == batch.shape


def test_list_of_scalars_is_one_array(reg):
    out = coerce(reg, cfg_of(reg), list(range(10_000)))
    assert isinstance(out, np.ndarray) and out.shape == (10_000, 1) and out.dtype == np.int64


def test_scalars_become_shape_1(reg):
    cfg = cfg_of(reg)
    assert coerce(reg, cfg, [5]).shape == (1, 1)
    assert coerce(reg, cfg, np.arange(3)).shape == (3, 1)
    assert coerce(reg, cfg, [np.float32(1.5)]).dtype == np.float32


def test_equal_arrays_are_stacked(reg):
    out = coerce(reg, cfg_of(reg), [np.zeros((2, 2)), np.ones((2, 2))])
    assert isinstance(out, np.ndarray) and out.shape == (2, 2, 2)


def test_uniform_nested_lists_are_stacked(reg):
    out = coerce(reg, cfg_of(reg), [[0, 1], [1, 3]])
    assert isinstance(out, np.ndarray) and out.shape == (2, 2)


def test_ragged_batch_gives_a_list(reg):
    out = coerce(reg, cfg_of(reg), [[0, 1, 2], [1, 3], np.zeros(4, np.int64)])
    assert isinstance(out, list) and [a.shape for a in out] == [(3,), (2,), (4,)]
    assert all(a.dtype == np.int64 for a in out)


def test_first_sample_sets_dtype_for_the_batch(reg):
    out = coerce(reg, cfg_of(reg), [np.array([1], np.int8), np.array([2, 3], np.int64)])
    assert [a.dtype for a in out] == [np.int8, np.int8]
    with pytest.raises(TensorDtypeMismatchError, match=r"'int8'"):
        coerce(reg, cfg_of(reg), [np.array([1], np.int8), np.array([2, 300], np.int64)])


def test_dtype_rule_applies_to_python_values(reg):
    cfg = cfg_of(reg, dtype="uint8")
    assert coerce(reg, cfg, [[1, 2], [3]])[0].dtype == np.uint8
    with pytest.raises(TensorDtypeMismatchError, match=r"'uint8'"):
        coerce(reg, cfg, [[1, 2], [-3]])
    with pytest.raises(TensorDtypeMismatchError):
        coerce(reg, cfg_of(reg, dtype="int32"), [0.5])


def test_none_passes_through(reg):
    assert coerce(reg, cfg_of(reg), [None, [1]])[0] is None


def test_empty_batch(reg):
    assert coerce(reg, cfg_of(reg), []) == []
    assert coerce(reg, cfg_of(reg), np.zeros((0, 3))).shape == (0, 3)


def test_objects_with_array_attribute(reg):
    out = coerce(reg, cfg_of(reg), [HasArray(np.ones((2, 2), np.uint8))])
    assert out[0].shape == (2, 2) and out[0].dtype == np.uint8


# ------------------------------------------------------------------ shape checks


def test_ndim_must_be_consistent(reg):
    with pytest.raises(TensorInvalidSampleShapeError, match=r"\(2, 2\) has 2 dimensions.*have 1"):
        coerce(reg, cfg_of(reg), [[1, 2, 3], np.zeros((2, 2))])
    with pytest.raises(TensorInvalidSampleShapeError, match=r"have 3"):
        coerce(reg, cfg_of(reg), [np.zeros((2, 2))], ndim=3)
    with pytest.raises(TensorInvalidSampleShapeError):
        coerce(reg, cfg_of(reg), np.zeros((4, 2, 2)), ndim=1)


def test_htype_sample_ndim_and_last_dim(reg):
    cfg = cfg_of(reg, "fake.box")
    assert coerce(reg, cfg, [[[1, 2, 3, 4]]]).shape == (1, 1, 4)
    with pytest.raises(TensorInvalidSampleShapeError, match=r"'fake.box' have 2 dimensions"):
        coerce(reg, cfg, [[1, 2, 3, 4]])
    with pytest.raises(TensorInvalidSampleShapeError, match=r"last axis.*size 4.*\(1, 5\)"):
        coerce(reg, cfg, [np.zeros((1, 5))])


def test_empty_list_takes_htype_rank(reg):
    out = coerce(reg, cfg_of(reg, "fake.box"), [[], [[1, 2, 3, 4]]])
    assert out[0].shape == (0, 4) and out[0].dtype == np.float32


def test_ragged_sample(reg):
    with pytest.raises(TensorInvalidSampleShapeError, match=r"rows have different lengths"):
        coerce(reg, cfg_of(reg, "fake.box"), [[[1, 2, 3, 4], [1, 2]]])


# ------------------------------------------------------------------ wrong kinds of samples


@pytest.mark.parametrize(
    ("sample", "error", "message"),
    [
        ("hello", SampleHtypeMismatchError, "htype='text'"),
        ({"a": 1}, SampleHtypeMismatchError, "htype='json'"),
        (["a", "b"], SampleHtypeMismatchError, "htype='text'"),
        ([{"a": 1}], SampleHtypeMismatchError, "not numbers"),
        (object(), UnsupportedTensorTypeError, "cannot be stored in a tensor"),
        (FakeLink("x.jpg"), SampleHtypeMismatchError, "link\\[...\\]"),
    ],
)
def test_wrong_samples_for_numeric(reg, sample, error, message):
    with pytest.raises(error, match=message):
        coerce(reg, cfg_of(reg), [sample])


def test_batch_must_be_a_sequence(reg):
    with pytest.raises(UnsupportedTensorTypeError, match=r"use append"):
        coerce(reg, cfg_of(reg), 5)
    with pytest.raises(UnsupportedTensorTypeError, match=r"batch"):
        coerce(reg, cfg_of(reg, "text"), "abc")
    with pytest.raises(UnsupportedTensorTypeError, match=r"first axis"):
        coerce(reg, cfg_of(reg), np.float32(1.0) * np.ones(()))


def test_string_batch_into_numeric(reg):
    with pytest.raises(SampleHtypeMismatchError, match=r"htype='text'"):
        coerce(reg, cfg_of(reg), np.array(["a", "b"]))


# ------------------------------------------------------------------ byte forms


def test_text(reg):
    cfg = cfg_of(reg, "text")
    out = coerce(reg, cfg, ["héllo", np.str_("x"), np.array(["y"]), ["z"], None, ""])
    assert [None if a is None else a.tobytes() for a in out] == [
        "héllo".encode(),
        b"x",
        b"y",
        b"z",
        None,
        b"",
    ]
    assert all(a.dtype == np.uint8 and a.ndim == 1 for a in out if a is not None)
    assert len(coerce(reg, cfg, np.array(["a", "bc"]))) == 2


@pytest.mark.parametrize("sample", [1, b"bytes", ["a", "b"], {"a": 1}])
def test_text_refuses_non_strings(reg, sample):
    with pytest.raises(SampleHtypeMismatchError, match=r"text tensors take str"):
        coerce(reg, cfg_of(reg, "text"), [sample])


def test_json(reg):
    cfg = cfg_of(reg, "json")
    out = coerce(reg, cfg, [{"a": np.int64(1), "b": np.arange(2)}, [1, "x"], 3, None])
    assert out[0].tobytes() == b'{"a":1,"b":[0,1]}'
    assert out[1].tobytes() == b'[1,"x"]' and out[2].tobytes() == b"3" and out[3] is None


def test_json_refuses_non_json(reg):
    with pytest.raises(SampleHtypeMismatchError, match=r"keys must be strings"):
        coerce(reg, cfg_of(reg, "json"), [{1: "a"}])
    with pytest.raises(SampleHtypeMismatchError, match=r"type set cannot be stored"):
        coerce(reg, cfg_of(reg, "json"), [{"a": {1, 2}}])
    with pytest.raises(SampleHtypeMismatchError, match=r"json tensors take"):
        coerce(reg, cfg_of(reg, "json"), [FakeLink("x")])


def test_list(reg):
    cfg = cfg_of(reg, "list")
    out = coerce(reg, cfg, [[1, "a"], (2,), np.array([3, 4]), None])
    assert [None if a is None else a.tobytes() for a in out] == [
        b'[1,"a"]',
        b"[2]",
        b"[3,4]",
        None,
    ]
    with pytest.raises(SampleHtypeMismatchError, match=r"list tensors take lists"):
        coerce(reg, cfg, ["abc"])


# ------------------------------------------------------------------ encoded / linked / partial


def test_encoded_sample_in_tensor_compression_passes_through(reg):
    cfg = cfg_of(reg, "fake.image", sample_compression="fakeimg")
    sample = FakeSample(np.zeros((4, 4, 3), np.uint8), "fimg")  # alias of fakeimg
    out = coerce(reg, cfg, [sample])
    assert out[0] is sample and not sample.decoded


def test_encoded_sample_shape_checked_without_decoding(reg):
    cfg = cfg_of(reg, "fake.image", sample_compression="fakeimg")
    sample = FakeSample(np.zeros((4, 4, 3, 1), np.uint8), "fakeimg")
    with pytest.raises(TensorInvalidSampleShapeError):
        coerce(reg, cfg, [sample])
    assert not sample.decoded


def test_encoded_sample_other_format_is_decoded(reg):
    cfg = cfg_of(reg, "fake.image", sample_compression="lz4")
    sample = FakeSample(np.ones((4, 4), np.uint8), "fakeimg")
    out = coerce(reg, cfg, [sample])
    assert isinstance(out[0], np.ndarray) and out[0].shape == (4, 4) and sample.decoded


def test_encoded_sample_without_known_shape(reg):
    cfg = cfg_of(reg, "fake.image", sample_compression="fakeimg")
    sample = FakeSample(np.zeros((4, 4), np.uint8), "fakeimg", report_shape=False)
    assert coerce(reg, cfg, [sample])[0] is sample


def test_encoded_sample_other_dtype_is_decoded(reg):
    cfg = cfg_of(reg, "fake.image", sample_compression="fakeimg")
    sample = FakeSample(np.zeros((4, 4), np.uint16), "fakeimg")
    with pytest.raises(TensorDtypeMismatchError):
        coerce(reg, cfg, [FakeSample(np.full((4, 4), 999, np.uint16), "fakeimg")])
    assert coerce(reg, cfg, [sample])[0].dtype == np.uint8


def test_raw_arrays_refused_when_htype_needs_files(reg):
    cfg = cfg_of(reg, "fake.video", sample_compression="fakevid")
    with pytest.raises(SampleCompressionError, match=r"cannot encode raw arrays"):
        coerce(reg, cfg, [np.zeros((2, 4, 4, 3), np.uint8)])
    with pytest.raises(SampleCompressionError, match=r"cannot encode raw arrays"):
        coerce(reg, cfg, np.zeros((1, 2, 4, 4, 3), np.uint8))
    with pytest.raises(SampleCompressionError, match=r"cannot recompress"):
        coerce(reg, cfg, [FakeSample(np.zeros((2, 4, 4), np.uint8), "fakeimg")])
    good = FakeSample(np.zeros((2, 4, 4), np.uint8), "fakevid")
    assert coerce(reg, cfg, [good])[0] is good
    with pytest.raises(TensorDtypeMismatchError):
        coerce(reg, cfg, [FakeSample(np.zeros((2, 4, 4), np.float32), "fakevid")])


def test_raw_arrays_accepted_uncompressed(reg):
    cfg = cfg_of(reg, "fake.video", sample_compression=None)
    assert coerce(reg, cfg, [np.zeros((2, 4, 4), np.uint8)])[0].shape == (2, 4, 4)
    sample = FakeSample(np.zeros((2, 4, 4), np.uint8), "fakevid")
    assert isinstance(coerce(reg, cfg, [sample])[0], np.ndarray)


def test_links(reg):
    cfg = cfg_of(reg, "link[fake.image]")
    link = FakeLink("s3://bucket/a.jpg", "key")
    assert coerce(reg, cfg, [link, None]) == [link, None]
    with pytest.raises(SampleHtypeMismatchError, match=r"deeplake.link"):
        coerce(reg, cfg, ["s3://bucket/a.jpg"])


def test_partial_samples(reg):
    cfg = cfg_of(reg, "fake.image", sample_compression=None)
    partial = FakePartial((100, 100, 3), (50, 50, 3))
    assert coerce(reg, cfg, [partial])[0] is partial
    with pytest.raises(TensorInvalidSampleShapeError):
        coerce(reg, cfg, [FakePartial((1, 2, 3, 4), (1, 1, 1, 1))])
    with pytest.raises(TensorDtypeMismatchError):
        coerce(reg, cfg, [FakePartial((10, 10), (5, 5), "float32")])


# ------------------------------------------------------------------ sequences


def test_sequence_of_scalars(reg):
    cfg = cfg_of(reg, "sequence")
    out = coerce(reg, cfg, [[1, 2, 3], [4, 5], None])
    assert [len(s) for s in out[:2]] == [3, 2] and out[2] is None
    assert out[0][0].shape == (1,)


def test_sequence_from_a_batch_array(reg):
    out = coerce(reg, cfg_of(reg, "sequence"), np.zeros((2, 3, 4), np.float32))
    assert len(out) == 2 and len(out[0]) == 3 and out[0][0].shape == (4,)


def test_sequence_items_are_checked(reg):
    cfg = cfg_of(reg, "sequence[fake.box]")
    with pytest.raises(TensorInvalidSampleShapeError):
        coerce(reg, cfg, [[np.zeros((1, 4)), np.zeros((1, 5))]])
    with pytest.raises(SampleHtypeMismatchError, match=r"list of items"):
        coerce(reg, cfg, [5])


def test_sequence_of_text(reg):
    out = coerce(reg, cfg_of(reg, "sequence[text]"), [["a", "b"], []])
    assert [a.tobytes() for a in out[0]] == [b"a", b"b"] and out[1] == []


def test_sequence_of_links(reg):
    link = FakeLink("a.png")
    assert coerce(reg, cfg_of(reg, "sequence[link[fake.image]]"), [[link]]) == [[link]]


# ------------------------------------------------------------------ properties


@given(st.lists(st.integers(0, 2**32 - 1), max_size=50))
def test_uint32_lists_round_trip(values):
    reg = registry()
    cfg = build_tensor_config("generic", dtype="uint32", registry=reg)
    out = coerce_samples(cfg, [values], registry=reg)
    assert np.asarray(out[0]).tolist() == (values or [])


@given(st.lists(st.one_of(st.none(), st.integers(-5, 5)), max_size=20))
def test_none_positions_are_kept(values):
    reg = registry()
    out = coerce_samples(build_tensor_config("generic", registry=reg), values, registry=reg)
    assert [v is None for v in out] == [v is None for v in values]


def test_sequence_ndim_counts_the_item_axis(reg):
    cfg = cfg_of(reg, "sequence")
    assert len(coerce(reg, cfg, [[[1, 2], [3, 4]]], ndim=2)[0]) == 2  # items are 1-D
    assert coerce(reg, cfg, [[np.zeros((2, 2))]], ndim=3)[0][0].shape == (2, 2)
    with pytest.raises(TensorInvalidSampleShapeError, match="have 1"):
        coerce(reg, cfg, [[np.zeros((2, 2))]], ndim=2)

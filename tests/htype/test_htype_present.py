import numpy as np
import pytest
from htype_fakes import registry
from hypothesis import given
from hypothesis import strategies as st

from deeplake_core.exceptions import DynamicTensorNumpyError, InvalidOperationError
from deeplake_core.htype import build_tensor_config, coerce_samples, logical_shape, present


@pytest.fixture(scope="module")
def reg():
    return registry()


def stored(reg, htype, samples, **kwargs):
    cfg = build_tensor_config(htype, registry=reg, **kwargs)
    return cfg, coerce_samples(cfg, samples, {}, registry=reg)


def test_numeric_batch_is_returned_as_is(reg):
    cfg, batch = stored(reg, "generic", np.zeros((5, 3), np.float32))
    assert present(cfg, batch) is batch
    assert present(cfg, batch, single=True).shape == (3,)
    assert len(present(cfg, batch, aslist=True)) == 5


def test_numeric_list_is_stacked_or_listed(reg):
    cfg, arrays = stored(reg, "generic", [[1, 2], [3]])
    with pytest.raises(DynamicTensorNumpyError, match=r"aslist=True"):
        present(cfg, arrays)
    assert [a.tolist() for a in present(cfg, arrays, aslist=True)] == [[1, 2], [3]]
    assert present(cfg, [np.ones(2), np.zeros(2)]).shape == (2, 2)


def test_empty_sample_reads_as_empty_array(reg):
    cfg = build_tensor_config("generic", dtype="int32", registry=reg)
    out = present(cfg, [None, np.ones(2, np.int32)], aslist=True)
    assert out[0].shape == (0,) and out[0].dtype == np.int32


def test_text_forms(reg):
    cfg, arrays = stored(reg, "text", ["hello", "wörld"])
    numpy = present(cfg, arrays)
    assert numpy.shape == (2, 1) and numpy.dtype.kind == "U"
    assert numpy[:, 0].tolist() == ["hello", "wörld"]
    assert present(cfg, arrays, single=True).tolist() == ["hello"]
    assert present(cfg, arrays, form="text") == ["hello", "wörld"]
    assert present(cfg, arrays[:1], form="text", single=True) == "hello"
    assert present(cfg, arrays, form="data") == {"value": ["hello", "wörld"]}
    assert present(cfg, [None], form="text") == [""]


def test_json_forms(reg):
    cfg, arrays = stored(reg, "json", [{"a": 1}, [1, 2]])
    numpy = present(cfg, arrays)
    assert numpy.shape == (2, 1) and numpy.dtype == object and numpy[0, 0] == {"a": 1}
    assert present(cfg, arrays, form="dict") == [{"a": 1}, [1, 2]]
    assert present(cfg, arrays[:1], form="data", single=True) == {"value": {"a": 1}}
    assert present(cfg, [None], form="dict") == [{}]


def test_list_forms(reg):
    cfg, arrays = stored(reg, "list", [[1, "a"], [2]])
    assert present(cfg, arrays, form="list") == [[1, "a"], [2]]
    with pytest.raises(DynamicTensorNumpyError):
        present(cfg, arrays)
    first = present(cfg, arrays, aslist=True)[0]
    assert first.dtype == object and first.tolist() == [1, "a"]
    assert present(cfg, arrays, form="data") == {"value": [[1, "a"], [2]]}


@pytest.mark.parametrize(
    ("htype", "form", "what"),
    [
        ("generic", "text", "'text'"),
        ("text", "dict", "'json'"),
        ("json", "list", "'list' or 'tag'"),
    ],
)
def test_forms_need_their_htype(reg, htype, form, what):
    cfg = build_tensor_config(htype, registry=reg)
    with pytest.raises(
        InvalidOperationError, match=f"{form}\\(\\) reads tensors of base htype {what}"
    ):
        present(cfg, [], form=form)


def test_unknown_form(reg):
    with pytest.raises(ValueError, match=r"form must be one of"):
        present(build_tensor_config("generic", registry=reg), [], form="xml")


def test_generic_data(reg):
    cfg, batch = stored(reg, "generic", [[1, 2]])
    assert present(cfg, batch, form="data", single=True)["value"].tolist() == [1, 2]


def test_sequence_numpy_keeps_an_item_axis(reg):
    cfg, arrays = stored(reg, "sequence", [[1, 2, 3], [4, 5, 6]])
    out = present(cfg, arrays)
    assert out.shape == (2, 3, 1) and out[:, :, 0].tolist() == [[1, 2, 3], [4, 5, 6]]
    assert present(cfg, arrays, single=True).shape == (3, 1)


def test_ragged_sequences(reg):
    cfg, arrays = stored(reg, "sequence", [[1, 2, 3], [4]])
    with pytest.raises(DynamicTensorNumpyError):
        present(cfg, arrays)
    out = present(cfg, arrays, aslist=True)
    assert [len(s) for s in out] == [3, 1]


def test_sequence_of_text(reg):
    cfg, arrays = stored(reg, "sequence[text]", [["a", "b"], ["c"]])
    assert present(cfg, arrays, form="text") == [["a", "b"], ["c"]]
    assert present(cfg, arrays, form="data") == {"value": [["a", "b"], ["c"]]}


def test_logical_shape(reg):
    text_cfg, text = stored(reg, "text", ["abc"])
    assert logical_shape(text_cfg, text[0]) == (1,)
    list_cfg, lists = stored(reg, "list", [[1, 2, 3]])
    assert logical_shape(list_cfg, lists[0]) == (3,)
    gen_cfg, gen = stored(reg, "generic", [np.zeros((2, 5))])
    assert logical_shape(gen_cfg, gen[0]) == (2, 5)
    assert logical_shape(gen_cfg, None) == (0,)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_text_round_trip(texts):
    reg = registry()
    cfg = build_tensor_config("text", registry=reg)
    assert present(cfg, coerce_samples(cfg, texts, registry=reg), form="text") == texts


@given(st.lists(json_values.filter(lambda v: v is not None), min_size=1, max_size=4))
def test_json_round_trip(values):
    reg = registry()
    cfg = build_tensor_config("json", registry=reg)
    assert present(cfg, coerce_samples(cfg, values, registry=reg), form="dict") == values


@given(st.lists(st.lists(json_values, max_size=4), min_size=1, max_size=4))
def test_list_round_trip(values):
    reg = registry()
    cfg = build_tensor_config("list", registry=reg)
    assert present(cfg, coerce_samples(cfg, values, registry=reg), form="list") == values


def test_trailing_nul_survives_numpy(reg):
    cfg, arrays = stored(reg, "text", ["a\x00", "b"])
    numpy = present(cfg, arrays)
    assert numpy[:, 0].tolist() == ["a\x00", "b"]  # object dtype: numpy str would cut it
    assert present(cfg, arrays[1:], single=True).dtype.kind == "U"

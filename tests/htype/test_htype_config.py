import json

import numpy as np
import pytest
from htype_fakes import registry

from deeplake_core.exceptions import (
    TensorMetaInvalidHtype,
    TensorMetaInvalidHtypeOverwriteKey,
    TensorMetaInvalidHtypeOverwriteValue,
    TensorMetaMissingRequiredValue,
    TensorMetaMutuallyExclusiveKeysError,
    UnsupportedCompressionError,
)
from deeplake_core.htype import (
    TensorConfig,
    allowed_compressions,
    build_tensor_config,
    normalize_dtype,
)


@pytest.fixture(scope="module")
def reg():
    return registry()


def build(reg, htype="generic", **kwargs):
    return build_tensor_config(htype, registry=reg, **kwargs)


def test_generic_defaults(reg):
    cfg = build(reg)
    assert (cfg.htype, cfg.base_htype, cfg.dtype) == ("generic", "generic", None)
    assert (cfg.sample_compression, cfg.chunk_compression) == (None, None)
    assert cfg.info == {} and not cfg.is_sequence and not cfg.is_link
    assert cfg.sample_form == "array" and not cfg.byte_encoded and cfg.storage_dtype is None


def test_default_htype_when_unspecified(reg):
    assert build_tensor_config(None, registry=reg).htype == "generic"
    assert build_tensor_config("unspecified", registry=reg).htype == "generic"


@pytest.mark.parametrize(
    ("htype", "dtype", "form"),
    [("text", "str", "text"), ("json", "object", "json"), ("list", "object", "list")],
)
def test_byte_form_builtins(reg, htype, dtype, form):
    cfg = build(reg, htype)
    assert (cfg.dtype, cfg.sample_form, cfg.byte_encoded, cfg.storage_dtype) == (
        dtype,
        form,
        True,
        "uint8",
    )


def test_fixed_dtype_accepts_its_own_dtype(reg):
    assert build(reg, "text", dtype="str").dtype == "str"
    assert build(reg, "text", dtype=str).dtype == "str"
    assert build(reg, "json", dtype="Any").dtype == "object"


def test_fixed_dtype_refuses_others(reg):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteValue, match=r"always have dtype 'str'"):
        build(reg, "text", dtype="int32")


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("float32", "float32"),
        (np.float32, "float32"),
        (np.dtype("f4"), "float32"),
        ("uint8", "uint8"),
        (bool, "bool"),
        (None, None),
        (str, "str"),
        ("<U5", "str"),
        (object, "object"),
        ("List", "object"),
    ],
)
def test_normalize_dtype(given, name):
    assert normalize_dtype(given) == name


def test_dtype_is_normalised(reg):
    assert build(reg, dtype=np.int16).dtype == "int16"
    assert build(reg, "fake.box", dtype=None).dtype is None


def test_invalid_dtype(reg):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteValue, match=r"'dtype'.*numpy dtype"):
        build(reg, dtype="not_a_dtype")


def test_string_dtype_refused_for_numeric_htypes(reg):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteValue, match=r"htype='text'"):
        build(reg, dtype="str")


def test_unknown_htype_lists_available(reg):
    with pytest.raises(TensorMetaInvalidHtype) as info:
        build(reg, "no_such_htype")
    msg = str(info.value)
    assert "no_such_htype" in msg and "'generic'" in msg and "'text'" in msg
    assert "install that plugin" in msg
    assert "generic" in info.value.available_htypes


def test_aliases_resolve_to_canonical_names(reg):
    cfg = build(reg, "sequence[fake.img]", sample_compression="fimg")
    assert cfg.htype == "sequence[fake.image]" and cfg.base_htype == "fake.image"
    assert cfg.sample_compression == "fakeimg" and cfg.is_sequence


def test_wrappers(reg):
    cfg = build(reg, "link[fake.image]")
    assert cfg.is_link and cfg.htype == "link[fake.image]"
    assert cfg.sample_compression is None  # a link tensor needs no compression choice


def test_wrapper_not_supported(reg):
    with pytest.raises(TensorMetaInvalidHtype, match=r"cannot be wrapped in sequence"):
        build(reg, "sequence[fake.flat]")
    with pytest.raises(TensorMetaInvalidHtype, match=r"cannot be wrapped in link"):
        build(reg, "link[text]")


def test_unknown_argument(reg):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteKey) as info:
        build(reg, "text", class_names=["a"])
    msg = str(info.value)
    assert "'class_names'" in msg and "'sample_compression'" in msg and "'hidden'" in msg


def test_common_options(reg):
    cfg = build(reg, max_chunk_size=1 << 20, tiling_threshold=-1, hidden=True, verify=True)
    assert (cfg.max_chunk_size, cfg.tiling_threshold, cfg.hidden, cfg.verify) == (
        1 << 20,
        -1,
        True,
        True,
    )


def test_both_compressions(reg):
    with pytest.raises(TensorMetaMutuallyExclusiveKeysError, match=r"not both"):
        build(reg, sample_compression="lz4", chunk_compression="lz4")


def test_one_compression_with_the_other_none(reg):
    cfg = build(reg, sample_compression=None, chunk_compression="lz4")
    assert (cfg.sample_compression, cfg.chunk_compression) == (None, "lz4")


def test_compression_required(reg):
    with pytest.raises(TensorMetaMissingRequiredValue, match=r"'sample_compression' or"):
        build(reg, "fake.image")
    assert build(reg, "fake.image", sample_compression=None).sample_compression is None
    assert build(reg, "fake.image", chunk_compression="fakeimg").chunk_compression == "fakeimg"


def test_unknown_compression(reg):
    with pytest.raises(UnsupportedCompressionError, match=r"Unknown compression 'zzz'.*lz4"):
        build(reg, sample_compression="zzz")


def test_compression_not_allowed_for_htype(reg):
    with pytest.raises(UnsupportedCompressionError, match=r"not supported for htype 'text'"):
        build(reg, "text", sample_compression="fakeimg")
    with pytest.raises(UnsupportedCompressionError, match=r"fakevid.*'fake.image'"):
        build(reg, "fake.image", sample_compression="fakevid")


def test_chunk_compression_forbidden(reg):
    with pytest.raises(UnsupportedCompressionError, match=r"does not support chunk compression"):
        build(reg, "fake.video", chunk_compression="fakevid")


def test_codec_roles(reg):
    with pytest.raises(UnsupportedCompressionError, match=r"can only be read"):
        build(reg, sample_compression="oldfmt")
    with pytest.raises(UnsupportedCompressionError, match=r"cannot be used as sample_compression"):
        build(reg, sample_compression="chunkonly")
    assert build(reg, chunk_compression="chunkonly").chunk_compression == "chunkonly"


def test_compression_value_type(reg):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteValue, match=r"codec name"):
        build(reg, sample_compression=3)


def test_allowed_compressions(reg):
    spec = reg.htypes.get("generic")
    assert "lz4" in allowed_compressions(spec, reg)
    assert "fakeimg" not in allowed_compressions(spec, reg)
    assert "chunkonly" in allowed_compressions(spec, reg, "chunk")
    assert allowed_compressions(reg.htypes.get("fake.video"), reg, "chunk") == []


def test_broken_behavior(reg):
    with pytest.raises(TypeError, match=r"not a subclass"):
        build(reg, "fake.broken")


def test_config_serialises(reg):
    cfg = build(reg, "sequence[fake.image]", sample_compression="fakeimg")
    data = json.loads(json.dumps(cfg.model_dump(mode="json")))
    again = TensorConfig.model_validate(data)
    assert again == cfg
    assert again.spec(reg).name == "fake.image"  # spec looked up again


def test_config_rejects_unknown_fields():
    with pytest.raises(ValueError, match=r"extra"):
        TensorConfig(htype="generic", base_htype="generic", bogus=1)

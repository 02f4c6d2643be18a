"""Defaults of every basic htype, as the reference documents them."""

import numpy as np
import pytest

from deeplake_core.exceptions import (
    TensorMetaInvalidHtypeOverwriteKey,
    TensorMetaInvalidHtypeOverwriteValue,
    UnsupportedCompressionError,
)
from deeplake_core.htype import build_tensor_config
from deeplake_core.plugins import get_registry

EXPECTED = {
    # htype: (dtype, info defaults)
    "class_label": ("uint32", {"class_names": []}),
    "tag": ("str", {}),
    "bbox": ("float32", {"coords": {}}),
    "bbox.3d": ("float32", {"coords": {}}),
    "intrinsics": ("float32", {}),
    "segment_mask": ("uint32", {"class_names": []}),
    "binary_mask": ("bool", {}),
    "keypoints_coco": ("int32", {"keypoints": [], "connections": []}),
    "point": ("int32", {}),
    "polygon": ("float32", {}),
    "embedding": (None, {}),
    "instance_label": ("uint32", {}),
}


@pytest.mark.parametrize("htype", sorted(EXPECTED))
def test_defaults(htype):
    dtype, info = EXPECTED[htype]
    cfg = build_tensor_config(htype)
    assert cfg.dtype == dtype and cfg.info == info
    assert (cfg.sample_compression, cfg.chunk_compression) == (None, None)


@pytest.mark.parametrize("htype", sorted(EXPECTED))
def test_provided_by_this_distribution(htype):
    provenance = get_registry().htypes.provenance(htype)
    assert provenance.distribution == "deeplake-core-htypes-basic"
    assert provenance.plugin == "htypes_basic"


@pytest.mark.parametrize("htype", sorted(EXPECTED))
def test_lz4_allowed_both_ways(htype):
    assert build_tensor_config(htype, sample_compression="lz4").sample_compression == "lz4"
    assert build_tensor_config(htype, chunk_compression="lz4").chunk_compression == "lz4"


@pytest.mark.parametrize("htype", sorted(EXPECTED))
def test_sequence_wrapping(htype):
    cfg = build_tensor_config(f"sequence[{htype}]")
    assert cfg.is_sequence and cfg.base_htype == htype


@pytest.mark.parametrize("htype", ["bbox", "class_label", "polygon"])
def test_links_are_for_files(htype):
    from deeplake_core.exceptions import TensorMetaInvalidHtype

    with pytest.raises(TensorMetaInvalidHtype, match=r"cannot be wrapped in link"):
        build_tensor_config(f"link[{htype}]")


def test_intrinsic_is_an_alias():
    cfg = build_tensor_config("intrinsic")
    assert cfg.htype == "intrinsics" and cfg.base_htype == "intrinsics"
    assert build_tensor_config("sequence[intrinsic]").htype == "sequence[intrinsics]"


def test_dtype_override():
    assert build_tensor_config("class_label", dtype="uint8").dtype == "uint8"
    assert build_tensor_config("bbox", dtype=np.float64).dtype == "float64"
    with pytest.raises(TensorMetaInvalidHtypeOverwriteValue, match=r"always have dtype 'str'"):
        build_tensor_config("tag", dtype="int32")


def test_creation_args():
    cfg = build_tensor_config("class_label", class_names=["cat", "dog"])
    assert cfg.info == {"class_names": ["cat", "dog"]}
    cfg = build_tensor_config("bbox", coords={"type": "fractional", "mode": "CCWH"})
    assert cfg.info == {"coords": {"type": "fractional", "mode": "CCWH"}}
    cfg = build_tensor_config("bbox", coords={"mode": "LTRB"})
    assert cfg.info == {"coords": {"mode": "LTRB"}}
    cfg = build_tensor_config("bbox.3d", coords={"mode": "center"})
    assert cfg.info == {"coords": {"mode": "center"}}
    cfg = build_tensor_config(
        "keypoints_coco", keypoints=["knee", "elbow", "head"], connections=[[0, 1], (1, 2)]
    )
    assert cfg.info == {"keypoints": ["knee", "elbow", "head"], "connections": [[0, 1], [1, 2]]}
    cfg = build_tensor_config("segment_mask", class_names=["background", "boat"])
    assert cfg.info["class_names"] == ["background", "boat"]


@pytest.mark.parametrize(
    ("htype", "kwargs", "message"),
    [
        ("class_label", {"class_names": "cats"}, "'class_names'.*list"),
        ("class_label", {"class_names": [1, 2]}, "'class_names'.*string"),
        ("bbox", {"coords": {"type": "pixels"}}, "'coords'.*'pixel' or 'fractional'"),
        ("bbox", {"coords": {"mode": "XYXY"}}, "'coords'.*'LTRB', 'LTWH' or 'CCWH'"),
        ("bbox", {"coords": {"unit": "px"}}, "'coords'.*Extra inputs"),
        ("bbox", {"coords": "LTRB"}, "'coords'"),
        ("bbox.3d", {"coords": {"mode": "corner"}}, "'coords'.*'center' or 'vertex'"),
        ("bbox.3d", {"coords": {"type": "pixel"}}, "'coords'.*Extra inputs"),
        ("keypoints_coco", {"keypoints": "knee"}, "'keypoints'"),
        ("keypoints_coco", {"connections": [[0, 1, 2]]}, "'connections'.*at most 2"),
        ("keypoints_coco", {"connections": [[0, -1]]}, "'connections'.*greater than or equal"),
    ],
)
def test_bad_creation_args(htype, kwargs, message):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteValue, match=message):
        build_tensor_config(htype, **kwargs)


@pytest.mark.parametrize(
    ("htype", "key"),
    [("bbox", "class_names"), ("tag", "class_names"), ("point", "coords"), ("embedding", "x")],
)
def test_unknown_creation_args(htype, key):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteKey, match=f"does not accept '{key}'"):
        build_tensor_config(htype, **{key: 1})


def test_unknown_compression():
    with pytest.raises(UnsupportedCompressionError, match=r"Unknown compression 'no_such_codec'"):
        build_tensor_config("bbox", sample_compression="no_such_codec")


def test_media_compression_refused_for_bbox():
    # Whether or not an image plugin provides 'png', a bbox tensor never accepts it.
    with pytest.raises(
        UnsupportedCompressionError, match=r"'png'.*'bbox'|Unknown compression 'png'"
    ):
        build_tensor_config("bbox", sample_compression="png")


def test_entry_module_declares_only():
    import subprocess
    import sys

    code = (
        "import sys, deeplake_core_htypes_basic._plugin as p\n"
        "specs = p.register_htypes()\n"
        "mods = [m for m in sys.modules if m.startswith('deeplake_core_htypes_basic.')]\n"
        "print(len(specs), sorted(mods))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "12 ['deeplake_core_htypes_basic._plugin']"

import numpy as np
import pytest

from deeplake_core.exceptions import TensorDtypeMismatchError, TensorInvalidSampleShapeError
from deeplake_core.htype import build_tensor_config, coerce_samples, present


def test_bbox_documented_samples():
    cfg = build_tensor_config("bbox", coords={"type": "fractional", "mode": "CCWH"})
    box = np.array([[462, 123, 238, 98]])
    boxes = np.array([[965, 110, 262, 77], [462, 123, 238, 98], [688, 108, 279, 116]])
    out = coerce_samples(cfg, [box, boxes, [[0.1, 0.2, 0.3, 0.4]], []], {})
    assert [a.shape for a in out] == [(1, 4), (3, 4), (1, 4), (0, 4)]
    assert all(a.dtype == np.float32 for a in out)


@pytest.mark.parametrize("sample", [[1, 2, 3, 4], np.zeros((2, 5)), np.zeros((1, 1, 4))])
def test_bbox_shape(sample):
    with pytest.raises(TensorInvalidSampleShapeError, match=r"'bbox'"):
        coerce_samples(build_tensor_config("bbox"), [sample], {})


def test_bbox_batch():
    out = coerce_samples(build_tensor_config("bbox"), np.zeros((10, 3, 4), np.float64), {})
    assert out.shape == (10, 3, 4) and out.dtype == np.float32


def test_bbox3d_center_mode():
    cfg = build_tensor_config("bbox.3d", coords={"mode": "center"})
    ok = np.zeros((3, 9))
    assert coerce_samples(cfg, [ok], dict(cfg.info))[0].shape == (3, 9)
    with pytest.raises(TensorInvalidSampleShapeError, match=r"\(# boxes, 9\) in center mode"):
        coerce_samples(cfg, [np.zeros((3, 8, 3))], dict(cfg.info))
    with pytest.raises(TensorInvalidSampleShapeError):
        coerce_samples(cfg, [np.zeros((3, 11))], dict(cfg.info))


def test_bbox3d_vertex_mode():
    cfg = build_tensor_config("bbox.3d", coords={"mode": "vertex"})
    info = dict(cfg.info)
    assert coerce_samples(cfg, np.zeros((2, 4, 8, 3)), info).shape == (2, 4, 8, 3)
    with pytest.raises(TensorInvalidSampleShapeError, match=r"vertex mode"):
        coerce_samples(cfg, [np.zeros((3, 9))], info)


def test_bbox3d_mode_from_current_info():
    cfg = build_tensor_config("bbox.3d")
    assert coerce_samples(cfg, [np.zeros((1, 9))], {})[0].shape == (1, 9)
    assert coerce_samples(cfg, [np.zeros((1, 8, 3))], {})[0].shape == (1, 8, 3)
    with pytest.raises(TensorInvalidSampleShapeError, match=r"center mode"):
        coerce_samples(cfg, [np.zeros((1, 8, 3))], {"coords": {"mode": "center"}})
    assert coerce_samples(cfg, [np.zeros((0, 9))], {})[0].shape == (0, 9)


def test_intrinsics():
    cfg = build_tensor_config("intrinsics")
    assert coerce_samples(cfg, [np.zeros((3, 3))], {}).shape == (1, 3, 3)
    assert coerce_samples(cfg, [np.zeros((2, 3, 3))], {}).shape == (1, 2, 3, 3)
    with pytest.raises(TensorInvalidSampleShapeError, match=r"\(3, 3\) or"):
        coerce_samples(cfg, [np.zeros((4, 3))], {})


def test_binary_mask():
    cfg = build_tensor_config("binary_mask", sample_compression="lz4")
    out = coerce_samples(cfg, [np.zeros((512, 512, 5), dtype="bool")], {})
    assert out.dtype == np.bool_ and out.shape == (1, 512, 512, 5)
    assert coerce_samples(cfg, [np.ones((2, 2, 1), np.uint8)], {}).dtype == np.bool_
    with pytest.raises(TensorDtypeMismatchError):
        coerce_samples(cfg, [np.full((2, 2, 1), 2)], {})
    with pytest.raises(TensorInvalidSampleShapeError):
        coerce_samples(cfg, [np.zeros((2, 2))], {})


def test_keypoints_coco():
    cfg = build_tensor_config(
        "keypoints_coco", keypoints=["left ear", "right ear", "nose"], connections=[[0, 2], [1, 2]]
    )
    kp = np.array(
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
    out = coerce_samples(cfg, [kp], dict(cfg.info))
    assert out.shape == (1, 9, 4) and out.dtype == np.int32
    with pytest.raises(TensorInvalidSampleShapeError, match=r"multiple of 3"):
        coerce_samples(cfg, [kp[:8]], {})
    with pytest.raises(TensorInvalidSampleShapeError, match=r"multiple of 3"):
        coerce_samples(cfg, np.zeros((2, 4, 1)), {})


def test_points():
    cfg = build_tensor_config("point", sample_compression=None)
    assert coerce_samples(cfg, [[[0, 1], [1, 3]]], {}).shape == (1, 2, 2)
    assert coerce_samples(cfg, [np.zeros((2, 3))], {}).dtype == np.int32
    with pytest.raises(TensorInvalidSampleShapeError, match=r"size 2 or 3"):
        coerce_samples(cfg, [np.zeros((2, 4))], {})
    with pytest.raises(TensorDtypeMismatchError):
        coerce_samples(cfg, [[[0.5, 1]]], {})


def test_embedding():
    cfg = build_tensor_config("embedding")
    one = np.random.uniform(low=-1, high=1, size=(1024))
    out = coerce_samples(cfg, [one], {})
    assert out.shape == (1, 1024) and out.dtype == np.float64
    many = [np.random.uniform(low=-1, high=1, size=(1024)) for _ in range(10)]
    assert coerce_samples(cfg, many, {}).shape == (10, 1024)
    with pytest.raises(TensorInvalidSampleShapeError):
        coerce_samples(cfg, [np.zeros((2, 2))], {})
    batch = np.zeros((100_000, 128), np.float32)
    assert coerce_samples(cfg, batch, {}) is batch
    assert present(cfg, batch, {}, single=True).shape == (128,)

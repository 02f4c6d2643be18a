"""Media and file-backed types across the two faces, both ways: video, audio, dicom,
nifti, point_cloud, mesh and link[image], with small generated files. A type is
skipped only when its htype plugin (or the library making its files) is missing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core import types
from deeplake_core.core.dataset import Dataset as V3Dataset

from . import media_files as mf
from .conftest import has_htype


class Case:
    """One type: htype, Deep Lake 3 ``create_tensor`` kwargs, the Deep Lake 4 type,
    file extension, a maker of file ``s`` (two differ), how samples are passed
    (``deeplake.read`` or ``deeplake.link``), the library the maker needs, and the
    shape the first sample reads back as."""

    def __init__(
        self,
        htype: str,
        kwargs: dict[str, Any],
        ctype: Any,
        ext: str,
        make: Callable[[int], bytes],
        wrap: str,
        needs: str,
        shape: tuple[int, ...],
    ):
        self.htype, self.kwargs, self.ctype, self.ext = htype, kwargs, ctype, ext
        self.make, self.wrap, self.needs, self.shape = make, wrap, needs, shape


CASES = {
    "video": Case(
        "video",
        {"sample_compression": "mp4"},
        types.Video("mp4"),
        "mp4",
        lambda s: mf.video(frames=6 - 2 * s),
        "read",
        "av",
        (6, 16, 16, 3),
    ),
    "audio": Case(
        "audio",
        {"sample_compression": "wav"},
        types.Audio(sample_compression="wav"),
        "wav",
        lambda s: mf.audio(n=4000 - 1000 * s),
        "read",
        "av",
        (4000, 1),
    ),
    "dicom": Case(
        "dicom", {}, types.Medical("dcm"), "dcm", mf.dicom, "read", "pydicom", (16, 12, 1)
    ),
    "nifti": Case(
        "nifti",
        {"sample_compression": "nii.gz"},
        types.Medical("nii.gz"),
        "nii.gz",
        mf.nifti,
        "read",
        "nibabel",
        (6, 5, 4),
    ),
    "point_cloud": Case(
        "point_cloud",
        {"sample_compression": "las"},
        types.Htype("point_cloud", sample_compression="las"),
        "las",
        lambda s: mf.las(n=20 + s, seed=s),
        "read",
        "laspy",
        (20, 3),
    ),
    "mesh": Case(
        "mesh",
        {"sample_compression": "ply"},
        types.Htype("mesh", sample_compression="ply"),
        "ply",
        lambda s: mf.ply(seed=s),
        "read",
        "trimesh",
        (12, 3),
    ),
    "link[image]": Case(
        "link[image]",
        {"sample_compression": "png"},
        types.Link(types.Image()),
        "png",
        mf.png,
        "link",
        "PIL",
        (7, 9, 3),
    ),
}


def _plugin_htype(htype: str) -> str:
    return htype[len("link[") : -1] if htype.startswith("link[") else htype


@pytest.fixture(params=list(CASES))
def case(request, tmp_path) -> tuple[Case, list[Any]]:
    """A case and its two samples (``deeplake.read``/``deeplake.link`` of files)."""
    c = CASES[request.param]
    if not has_htype(_plugin_htype(c.htype)):
        pytest.skip(f"the plugin of htype {c.htype!r} is not installed")
    pytest.importorskip(c.needs)
    wrap = deeplake.read if c.wrap == "read" else deeplake.link
    samples = []
    for s in range(2):
        path = tmp_path / f"sample{s}.{c.ext}"
        path.write_bytes(c.make(s))
        samples.append(wrap(str(path)))
    return c, samples


def _check_v4_reads(opened: Any, expected: list[np.ndarray], first_shape: tuple) -> None:
    """Every v4 read path gives the same data as the v3 read."""
    col = opened["col"]
    assert len(opened) == 2
    assert np.shape(col[0]) == first_shape
    for i, want in enumerate(expected):
        assert np.array_equal(col[i], want)
    assert all(np.array_equal(a, b) for a, b in zip(col[:], expected, strict=True))
    rows = [row["col"] for row in opened]
    assert all(np.array_equal(a, b) for a, b in zip(rows, expected, strict=True))
    (batch,) = list(opened.batches(2))
    assert all(np.array_equal(a, b) for a, b in zip(batch["col"], expected, strict=True))


def test_v3_written_reads_through_v4(case, mem_url):
    c, samples = case
    ds = deeplake.empty(mem_url)
    ds.create_tensor("col", htype=c.htype, **c.kwargs)
    ds.col.extend(samples)
    ds.col.info["note"] = "from v3"
    expected = [ds.col[i].numpy() for i in range(2)]
    assert expected[0].shape != expected[1].shape or not np.array_equal(*expected)
    for opened in (deeplake.open(mem_url), deeplake.open_read_only(mem_url)):
        dtype = opened.schema["col"].dtype
        assert dtype.htype == c.ctype.htype
        assert dtype.sample_compression == c.ctype.sample_compression
        assert opened["col"].metadata["note"] == "from v3"
        _check_v4_reads(opened, expected, c.shape)
    # a write through v4 of the same kind of sample lands in the v3 tensor
    more = deeplake.open(mem_url)
    more.append([{"col": samples[1]}])
    assert np.array_equal(deeplake.load(mem_url, read_only=True).col[2].numpy(), expected[1])


def test_v4_written_reads_through_v3(case, mem_url):
    c, samples = case
    ds = deeplake.create(mem_url)
    ds.add_column("col", c.ctype)
    ds["col"].metadata["note"] = "from v4"
    ds.append([{"col": s} for s in samples])
    expected = [ds["col"][i] for i in range(2)]
    old = deeplake.load(mem_url, read_only=True)
    assert isinstance(old, V3Dataset)
    assert old.col.htype == c.htype and old.col.info["note"] == "from v4"
    for i, want in enumerate(expected):
        assert np.array_equal(old.col[i].numpy(), want)
    assert old.col[0].shape == c.shape
    # the v4 type survives a reopen and reads the same
    again = deeplake.open_read_only(mem_url)
    assert again.schema["col"].dtype == c.ctype
    _check_v4_reads(again, expected, c.shape)

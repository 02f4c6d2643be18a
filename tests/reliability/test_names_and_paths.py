"""Key and path traversal at the dataset level.

Tensor and group names never become storage paths (tensors are stored under random
ids), and names that could confuse users or tools (control characters, NUL, very long
parts, ``..``) are refused with ``InvalidTensorNameError``/``InvalidTensorGroupNameError``.
Whatever the name, nothing is written outside the dataset root. A symlink inside a local
dataset that leads out of it is never followed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    CorruptChunkError,
    CorruptIndexError,
    DatasetCorruptError,
    InvalidKeyError,
    InvalidTensorGroupNameError,
    InvalidTensorNameError,
    TensorAlreadyExistsError,
    TensorGroupAlreadyExistsError,
)

REFUSED = (
    InvalidTensorNameError,
    InvalidTensorGroupNameError,
    TensorAlreadyExistsError,
    TensorGroupAlreadyExistsError,
)
HOSTILE = [
    "..",
    "../x",
    "a/../../b",
    "a\x00b",
    "x\n",
    "\x7f",
    "a" * 256,
    "g/" + "b" * 300,
    "ok/\x01",
]


def _snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture()
def fenced(tmp_path):
    """A dataset in ``tmp_path/fence/ds`` with a sentinel sibling; yields (ds, fence)."""
    fence = tmp_path / "fence"
    fence.mkdir()
    (fence / "sentinel").write_text("x")
    ds = deeplake.empty(str(fence / "ds"))
    yield ds, fence
    ds.close()


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_tensor_names_are_refused(fenced, name) -> None:
    ds, _ = fenced
    with pytest.raises(InvalidTensorNameError):
        ds.create_tensor(name)
    assert list(ds.tensors) == []


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_group_names_are_refused(fenced, name) -> None:
    ds, _ = fenced
    with pytest.raises((InvalidTensorGroupNameError, InvalidTensorNameError)):
        ds.create_group(name)
    assert list(ds.groups) == []


@pytest.mark.parametrize("name", ["a\x00", "b" * 256, "..", "x\ty"])
def test_renames_to_hostile_names_are_refused(fenced, name) -> None:
    ds, _ = fenced
    ds.create_tensor("t")
    ds.create_group("g")
    with pytest.raises((InvalidTensorNameError, InvalidTensorGroupNameError, Exception)) as info:
        ds.rename_tensor("t", name)
    assert isinstance(info.value, (InvalidTensorNameError, deeplake.exceptions.RenameError))
    with pytest.raises(Exception) as info:
        ds.rename_group("g", name)
    assert isinstance(
        info.value,
        (InvalidTensorGroupNameError, InvalidTensorNameError, deeplake.exceptions.RenameError),
    )
    assert sorted(ds.tensors) == ["t"]


def test_unusual_but_harmless_names_stay_inside_the_root(fenced) -> None:
    """Leading slashes and backslashes are group separators; lookalike letters are
    just other names. All are manifest entries, never paths."""
    ds, fence = fenced
    before = _snapshot(fence)
    for name in ("/abs", "a\\b", "\uff58", "x", "C:evil", ".hidden", "a" * 255):
        ds.create_tensor(name)
    ds.flush()
    assert {"abs", "a/b", "\uff58", "x", "C:evil", ".hidden"} <= set(ds.tensors)
    after = _snapshot(fence)
    assert {p for p in after - before if not p.startswith("ds")} == set()
    for p in after:
        assert "C:evil" not in p and "abs" not in p.split(os.sep)


_NAMES = st.lists(
    st.one_of(
        st.sampled_from(["..", ".", "", "/", "\\", "\x00", "C:", "~", "\uff58", "x", "\u202e"]),
        st.text(max_size=6),
    ),
    min_size=1,
    max_size=5,
).map("/".join)


@settings(
    max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=_NAMES, group=st.booleans())
def test_fuzzed_names_never_escape_the_root(fenced, name, group) -> None:
    ds, fence = fenced
    before = {p for p in _snapshot(fence) if not p.startswith("ds")}
    try:
        if group:
            ds.create_group(name)
        else:
            ds.create_tensor(name, exist_ok=False)
            ds[name].append(np.int64(1)) if ds[name].htype == "generic" else None
        ds.flush()
    except REFUSED:
        pass
    after = {p for p in _snapshot(fence) if not p.startswith("ds")}
    assert after == before
    for p in (fence / "ds").rglob("*"):
        assert fence / "ds" in p.resolve().parents or p.resolve() == fence / "ds"


# ------------------------------------------------------------------------ symlinks


def _dataset_with_data(path: Path) -> None:
    ds = deeplake.empty(str(path))
    ds.create_tensor("x", dtype="int64")
    ds.x.extend(np.arange(10))
    ds.close()


def _outside_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src.read_bytes())


@pytest.mark.parametrize("what", ["chunk", "index", "tensor-dir", "manifest"])
def test_symlinks_leaving_the_root_are_not_followed(tmp_path, what) -> None:
    root = tmp_path / "ds"
    _dataset_with_data(root)
    outside = tmp_path / "outside"
    if what == "chunk":
        targets = list(root.glob("tensors/*/chunks/*"))
    elif what == "index":
        targets = list(root.glob("versions/*/index/*.idx"))
    elif what == "manifest":
        targets = list(root.glob("versions/*/manifest.json"))
    else:
        targets = list(root.glob("tensors/*"))
    for i, target in enumerate(targets):
        copy = outside / str(i) / target.name
        if target.is_dir():
            shutil.copytree(target, copy)
            shutil.rmtree(target)
        else:
            _outside_copy(target, copy)
            target.unlink()
        target.symlink_to(copy)  # same bytes, but outside the root
    with pytest.raises(
        (InvalidKeyError, DatasetCorruptError, CorruptChunkError, CorruptIndexError, KeyError)
    ):
        ds = deeplake.load(str(root), read_only=True)
        ds.x.numpy()


def test_symlink_inside_the_root_still_reads(tmp_path) -> None:
    """Links that stay inside the root are fine (e.g. deduplicated files)."""
    root = tmp_path / "ds"
    _dataset_with_data(root)
    target = next(root.glob("tensors/*/chunks/*"))
    keep = root / "kept-copy"
    keep.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(keep)
    assert deeplake.load(str(root), read_only=True).x.numpy().reshape(-1).tolist() == list(
        range(10)
    )

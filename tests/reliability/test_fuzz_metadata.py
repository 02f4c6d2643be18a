"""Fuzzing of the dataset's JSON metadata: format marker, branch refs, version records,
manifests, tags and saved-view records.

A damaged or hostile file must surface as ``DatasetCorruptError`` (or
``DatasetFormatError`` for a newer format), never as another exception type, and
``reset=True`` must bring a dataset whose head manifest is damaged back to its previous
good state. Hostile variants keep the JSON valid (and a manifest's checksum right) while
putting values of the wrong type or shape anywhere in it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deeplake_core as deeplake
from deeplake_core.core import manifest as mf
from deeplake_core.exceptions import (
    CorruptChunkError,
    CorruptIndexError,
    DatasetCorruptError,
    DatasetFormatError,
)

ALLOWED = (DatasetCorruptError, DatasetFormatError, CorruptIndexError, CorruptChunkError)
FAST = settings(
    max_examples=40,
    deadline=10000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
DEEP = settings(
    max_examples=600,
    deadline=10000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A dataset with two commits, a tag and a saved view (committed state)."""
    path = tmp_path_factory.mktemp("meta") / "ds"
    ds = deeplake.empty(str(path))
    ds.create_tensor("x", dtype="int64")
    ds.create_tensor("words", htype="text")
    ds.x.extend(np.arange(6))
    ds.words.extend([f"w{i}" for i in range(6)])
    ds.commit("first")
    ds.tag("v1")
    ds[[0, 2, 4]].save_view(id="evens", message="even rows")
    ds.x.append(6)
    ds.words.append("w6")
    ds.commit("second")
    ds.x.append(7)
    ds.words.append("w7")
    ds.flush()
    ds.close()
    return path


def _files(root: Path) -> dict[str, Path]:
    return {
        str(p.relative_to(root)): p
        for p in root.rglob("*")
        if p.is_file() and p.suffix == ".json" and "lock" not in p.name
    }


def _exercise(path: str, reset: bool = False) -> None:
    """Open and use the dataset; every failure must be an allowed, specific error."""
    try:
        ds = deeplake.load(path, read_only=not reset, reset=reset)
        len(ds)
        ds.x.numpy()
        ds.words.numpy()
        ds.branches  # noqa: B018
        ds.commits  # noqa: B018
        list(ds.tags)
        for view in ds.get_views():
            view.load()
        ds.load_view("evens")
        ds.close()
    except ALLOWED:
        pass
    except KeyError as exc:  # only the documented "no such view" lookup
        assert "no saved view" in str(exc), exc


def _json_values():
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True),
        st.text(max_size=12),
        st.sampled_from(["../../etc", "/abs", "..", "main", "0" * 40, "lz4", "acme.evil:hook"]),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    doc[path[0]] = _set(doc[path[0]], path[1:], value)
    return doc


def _resign(doc: Any) -> Any:
    """Give a (mutated) manifest a matching checksum, as a hostile writer would."""
    if isinstance(doc, dict) and "manifest" in doc:
        doc["crc32"] = zlib.crc32(mf._canonical(doc["manifest"]))
    return doc


@st.composite
def damage(draw, raw: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "value", "value", "replace", "empty", "deep"]))
    if kind == "empty":
        return b""
    if kind == "truncate":
        return raw[: draw(st.integers(0, len(raw) - 1))]
    if kind == "flip":
        out = bytearray(raw)
        i = draw(st.integers(0, len(raw) - 1))
        out[i] ^= draw(st.integers(1, 255))
        return bytes(out)
    if kind == "deep":
        return b"[" * 100_000 + b"]" * 100_000
    if kind == "replace":
        return json.dumps(draw(_json_values())).encode()
    doc = json.loads(raw)
    path = draw(st.sampled_from(_paths(doc)))
    doc = _resign(_set(doc, path, draw(_json_values())))
    return json.dumps(doc).encode()


def _fuzz(template: Path, tmp_path: Path, data) -> None:
    files = _files(template)
    name = data.draw(st.sampled_from(sorted(files)), label="file")
    work = Path(tempfile.mkdtemp(dir=tmp_path)) / "ds"
    try:
        shutil.copytree(template, work)
        target = work / name
        target.write_bytes(data.draw(damage(target.read_bytes()), label="content"))
        reset = data.draw(st.booleans(), label="reset")
        _exercise(str(work), reset=reset)
    finally:
        shutil.rmtree(work.parent)


def test_template_is_usable(template) -> None:
    ds = deeplake.load(str(template), read_only=True)
    assert ds.x.numpy().reshape(-1).tolist() == list(range(8))
    assert [v.id for v in ds.get_views()] == ["evens"]
    assert len(ds.load_view("evens")) == 3
    names = set(_files(template))
    assert {"deeplake_core.json", "refs/branches/main.json", "refs/tags/v1.json"} <= names
    assert any(n.endswith("view.json") for n in names)


@FAST
@given(st.data())
def test_damaged_metadata_raises_specific_errors(template, tmp_path, data) -> None:
    _fuzz(template, tmp_path, data)


@pytest.mark.slow
@DEEP
@given(st.data())
def test_damaged_metadata_raises_specific_errors_deep(template, tmp_path, data) -> None:
    _fuzz(template, tmp_path, data)


def _head_manifest(root: Path) -> Path:
    head = json.loads((root / "refs/branches/main.json").read_text())["head"]
    return root / "versions" / head / "manifest.json"


@pytest.mark.parametrize("cut", [0, 1, 10, -1])
def test_reset_recovers_a_torn_head_manifest(template, tmp_path, cut) -> None:
    work = tmp_path / "ds"
    shutil.copytree(template, work)
    man = _head_manifest(work)
    man.write_bytes(man.read_bytes()[:cut])
    with pytest.raises(DatasetCorruptError, match="reset=True"):
        deeplake.load(str(work), read_only=True)
    ds = deeplake.load(str(work), reset=True)
    # the previous good state of the head: everything up to the second commit
    assert ds.x.numpy().reshape(-1).tolist() in (list(range(7)), list(range(8)))
    ds.check_integrity()
    ds.close()
    assert deeplake.load(str(work), read_only=True).x.numpy().size >= 7


def test_newer_format_is_refused_not_misread(template, tmp_path) -> None:
    work = tmp_path / "ds"
    shutil.copytree(template, work)
    marker = work / mf.MARKER_KEY
    doc = json.loads(marker.read_text())
    doc["format_version"] = mf.FORMAT_VERSION + 1
    marker.write_text(json.dumps(doc))
    with pytest.raises(DatasetFormatError, match="upgrade"):
        deeplake.load(str(work), read_only=True)


def test_branch_ref_pointing_outside_the_root_is_refused(template, tmp_path) -> None:
    work = tmp_path / "ds"
    shutil.copytree(template, work)
    outside = tmp_path / "outside"
    outside.mkdir()
    (work / "refs/branches/main.json").write_text(json.dumps({"head": "../../../outside"}))
    with pytest.raises(DatasetCorruptError):
        deeplake.load(str(work), read_only=True)


def test_saved_view_record_cannot_point_outside_the_root(template, tmp_path) -> None:
    """A view record whose id names a path outside the dataset is refused, not loaded."""
    work = tmp_path / "ds"
    shutil.copytree(template, work)
    # .queries/<id>/data with id "../../victim" is <tmp>/victim/data: a real dataset
    deeplake.empty(str(tmp_path / "victim" / "data")).close()
    rec_path = next(p for n, p in _files(work).items() if n.endswith("view.json"))
    doc = json.loads(rec_path.read_text())
    doc.update(id="../../victim", optimized=True)
    rec_path.write_text(json.dumps(doc))
    ds = deeplake.load(str(work), read_only=True)
    assert ds.get_views() == []  # damaged records are left out of the listing
    with pytest.raises(DatasetCorruptError, match="damaged"):
        ds.get_view("evens")
    with pytest.raises(DatasetCorruptError):
        ds.load_view("evens")
    ds.close()
    ds = deeplake.load(str(work))
    ds.delete_view("evens")  # a damaged record can be removed
    assert not (work / ".queries" / "evens").exists()


def test_saved_view_rows_zip_bomb_is_refused(template, tmp_path) -> None:
    work = tmp_path / "ds"
    shutil.copytree(template, work)
    idx = next(work.rglob("index.bin"))
    idx.write_bytes(zlib.compress(bytes(200 << 20), 9))  # 200 MB of zeros in ~200 KB
    ds = deeplake.load(str(work), read_only=True)
    with pytest.raises(DatasetCorruptError):
        ds.load_view("evens")


def test_no_pickle_in_any_stored_file(template) -> None:
    for p in Path(template).rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            assert not data.startswith(b"\x80"), f"{p} looks like a pickle"
            assert b"\x80\x04\x95" not in data and b"\x80\x05\x95" not in data, p


def test_files_are_plain_json_or_binary_formats(template) -> None:
    for _name, p in _files(template).items():
        json.loads(p.read_bytes())  # every metadata file is JSON
    assert os.path.exists(template / mf.MARKER_KEY)

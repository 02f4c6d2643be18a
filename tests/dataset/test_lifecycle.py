"""Module functions and dataset lifecycle: create/load/exists/delete/rename/like,
format marker and manifest, locks, read-only, reset, pickling."""

from __future__ import annotations

import json
import pickle
import uuid

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.core import manifest as mf
from deeplake_core.exceptions import (
    DatasetCorruptError,
    DatasetFormatError,
    DatasetHandlerError,
    LockedException,
    MemoryDatasetCanNotBePickledError,
    ReadOnlyModeError,
    RenameError,
)


@pytest.fixture
def mem_path() -> str:
    return f"mem://lifecycle-{uuid.uuid4().hex}"


def test_empty_load_roundtrip_local(tmp_path):
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("x")
    ds.x.extend(np.arange(6).reshape(3, 2))
    assert deeplake.exists(path)
    ds2 = deeplake.load(path, read_only=True)
    np.testing.assert_array_equal(ds2.x.numpy(), np.arange(6).reshape(3, 2))
    assert ds2.read_only


def test_layout_files(tmp_path):
    path = tmp_path / "ds"
    ds = deeplake.empty(str(path))
    ds.create_tensor("x")
    ds.x.append(np.ones(3))
    marker = json.loads((path / mf.MARKER_KEY).read_text())
    assert marker["format"] == "deeplake-core" and marker["format_version"] == 1
    head = json.loads((path / "refs/branches/main.json").read_text())["head"]
    doc = json.loads((path / f"versions/{head}/manifest.json").read_text())
    entry = doc["manifest"]["tensors"]["x"]
    assert entry["length"] == 1
    assert (path / entry["index_key"]).exists()
    # provenance of the htype is recorded
    assert {"kind": "htypes", "name": "generic"}.items() <= entry["requires"][0].items()


def test_empty_existing_raises_and_overwrite(mem_path):
    ds = deeplake.empty(mem_path)
    ds.create_tensor("x")
    with pytest.raises(DatasetHandlerError):
        deeplake.empty(mem_path)
    ds = deeplake.empty(mem_path, overwrite=True)
    assert list(ds.tensors) == []


def test_load_missing_raises(mem_path):
    with pytest.raises(DatasetHandlerError):
        deeplake.load(mem_path)


def test_dataset_creates_or_loads(mem_path):
    ds = deeplake.dataset(mem_path)
    ds.create_tensor("x")
    ds.x.append(1)
    again = deeplake.dataset(mem_path)
    assert again.x.numpy().tolist() == [[1]]


@pytest.mark.parametrize("fn", [deeplake.empty, deeplake.exists, deeplake.delete])
def test_version_in_path_value_error(fn, mem_path):
    with pytest.raises(ValueError):
        fn(mem_path + "@main")


def test_dataset_version_in_path_when_creating(mem_path):
    with pytest.raises(ValueError):
        deeplake.dataset(mem_path + "@main")


def test_load_at_branch_and_unknown(mem_path):
    from deeplake_core.exceptions import CheckoutError

    ds = deeplake.empty(mem_path)
    ds.create_tensor("x")
    assert deeplake.load(mem_path + "@main").branch == "main"
    with pytest.raises(CheckoutError):
        deeplake.load(mem_path + "@nope")


def test_exists_and_delete(tmp_path):
    path = str(tmp_path / "ds")
    assert not deeplake.exists(path)
    with pytest.raises(DatasetHandlerError):
        deeplake.delete(path)
    deeplake.empty(path).create_tensor("x")
    deeplake.delete(path)
    assert not deeplake.exists(path)
    assert not (tmp_path / "ds").exists()


def test_delete_force_non_dataset(tmp_path):
    d = tmp_path / "junk"
    d.mkdir()
    (d / "file.txt").write_text("x")
    with pytest.raises(DatasetHandlerError):
        deeplake.delete(str(d))
    deeplake.delete(str(d), force=True)
    assert not d.exists()


def test_ds_delete_and_allow_delete(mem_path):
    ds = deeplake.empty(mem_path)
    ds.allow_delete = False
    assert deeplake.load(mem_path).allow_delete is False
    with pytest.raises(DatasetHandlerError):
        ds.delete()
    ds.allow_delete = True
    ds.delete()
    assert not deeplake.exists(mem_path)


def test_rename_local(tmp_path):
    old, new = str(tmp_path / "a"), str(tmp_path / "b")
    ds = deeplake.empty(old)
    ds.create_tensor("x")
    ds.x.extend([1, 2, 3])
    ds2 = deeplake.rename(old, new)
    assert not deeplake.exists(old) and deeplake.exists(new)
    assert ds2.path == new
    assert deeplake.load(new).x.numpy().ravel().tolist() == [1, 2, 3]
    ds2.x.append(4)
    assert deeplake.load(new, read_only=True).x.numpy().ravel().tolist() == [1, 2, 3, 4]


def test_rename_mem_and_errors(tmp_path, mem_path):
    ds = deeplake.empty(mem_path)
    ds.create_tensor("x")
    ds.x.append(5)
    ds.rename(mem_path + "-renamed")
    assert deeplake.load(mem_path + "-renamed").x.numpy().tolist() == [[5]]
    assert not deeplake.exists(mem_path)
    with pytest.raises(RenameError):
        ds.rename("mem://somewhere/else/entirely")
    with pytest.raises(DatasetHandlerError):
        deeplake.rename(str(tmp_path / "nothing"), str(tmp_path / "other"))


def test_like_copies_structure_only(mem_path):
    src = deeplake.empty(mem_path)
    src.create_tensor("labels", htype="class_label", class_names=["a", "b"])
    src.create_tensor("g/emb", dtype="float32")
    src.info.update(name="src")
    src.labels.extend([0, 1])
    dest = deeplake.like(mem_path + "-like", src)
    assert set(dest.tensors) == {"labels", "g/emb"}
    assert len(dest.labels) == 0
    assert dest.labels.info.class_names == ["a", "b"]
    assert dest.info["name"] == "src"
    assert dest["g/emb"].dtype == np.float32
    # Deep Lake 4 argument order (src, dest) is recognised
    deeplake.like(mem_path, mem_path + "-like4")
    dest4 = deeplake.load(mem_path + "-like4")
    assert set(dest4.tensors) == {"labels", "g/emb"}


def test_copy_full_and_view(mem_path):
    src = deeplake.empty(mem_path)
    src.create_tensor("x")
    src.create_tensor("t", htype="text")
    src.extend({"x": np.arange(10).reshape(5, 2), "t": list("abcde")})
    full = deeplake.copy(mem_path, mem_path + "-c")
    np.testing.assert_array_equal(full.x.numpy(), src.x.numpy())
    assert full.t.text() == list("abcde")
    full.check_integrity()
    view = src[[4, 0]].copy(mem_path + "-v")
    assert view.t.text() == ["e", "a"]
    with pytest.raises(DatasetHandlerError):
        deeplake.copy(mem_path, mem_path + "-c")


def test_lock_blocks_second_writer(tmp_path):
    from deeplake_core.storage import WriterLock, open_storage

    path = str(tmp_path / "ds")
    deeplake.empty(path, lock_enabled=False)
    other = WriterLock(open_storage(path), mf.LOCK_KEY, owner="another-process", timeout=0)
    other.acquire()
    try:
        with pytest.raises(LockedException):
            deeplake.load(path)
        assert deeplake.load(path, read_only=True) is not None
        assert deeplake.load(path, lock_enabled=False) is not None
    finally:
        other.release()
    deeplake.load(path)


def test_read_only_refuses_writes(mem_path):
    ds = deeplake.empty(mem_path)
    ds.create_tensor("x")
    ro = deeplake.load(mem_path, read_only=True)
    with pytest.raises(ReadOnlyModeError):
        ro.x.append(1)
    with pytest.raises(ReadOnlyModeError):
        ro.create_tensor("y")
    with pytest.raises(ReadOnlyModeError):
        ro.info.update(a=1)


def test_newer_format_refused(mem_path):
    ds = deeplake.empty(mem_path)
    marker = json.loads(ds.storage.get(mf.MARKER_KEY))
    marker["format_version"] = mf.FORMAT_VERSION + 1
    ds.storage.set(mf.MARKER_KEY, json.dumps(marker).encode())
    ds.storage.flush()
    with pytest.raises(DatasetFormatError, match="upgrade"):
        deeplake.load(mem_path)


def test_torn_manifest_error_then_reset(tmp_path):
    path = tmp_path / "ds"
    ds = deeplake.empty(str(path))
    ds.create_tensor("x")
    ds.x.extend([1, 2])
    ds.x.extend([3])
    vid = ds.version_id
    ds.close()
    key = path / mf.manifest_key(vid)
    data = key.read_bytes()
    key.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetCorruptError):
        deeplake.load(str(path))
    with pytest.raises(ReadOnlyModeError):
        deeplake.load(str(path), read_only=True, reset=True)
    fixed = deeplake.load(str(path), reset=True)
    # the previous good manifest: the state before the last flush
    assert fixed.x.numpy().ravel().tolist() == [1, 2]
    fixed.check_integrity()
    assert deeplake.load(str(path), read_only=True).x.numpy().ravel().tolist() == [1, 2]


def test_manifest_checksum_detects_damage(mem_path):
    ds = deeplake.empty(mem_path)
    ds.create_tensor("x")
    key = mf.manifest_key(ds.version_id)
    doc = json.loads(ds.storage.get(key))
    doc["manifest"]["tensors"]["x"]["length"] = 99
    ds.storage.set(key, json.dumps(doc).encode())
    with pytest.raises(DatasetCorruptError):
        deeplake.load(mem_path)


def test_pickle_local_reopens_without_creds(tmp_path):
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("x")
    ds.x.extend([1, 2, 3])
    data = pickle.dumps(ds[1:])
    assert b"aws_secret" not in data
    back = pickle.loads(data)
    assert back.x.numpy().ravel().tolist() == [2, 3]
    assert back.read_only


def test_pickle_mem_raises(mem_path):
    ds = deeplake.empty(mem_path)
    with pytest.raises(MemoryDatasetCanNotBePickledError):
        pickle.dumps(ds)


def test_hub_path_refused():
    from deeplake_core.exceptions import UnsupportedParameterException

    with pytest.raises(UnsupportedParameterException):
        deeplake.empty("hub://org/ds")


def test_org_id_for_non_local(mem_path):
    with pytest.raises(ValueError):
        deeplake.empty(mem_path, org_id="me")


def test_access_method_download(tmp_path, monkeypatch, mem_path):
    src = deeplake.empty(mem_path)
    src.create_tensor("x")
    src.x.extend([1, 2])
    with pytest.raises(ValueError):
        deeplake.load(mem_path, access_method="download")
    monkeypatch.setenv("DEEPLAKE_DOWNLOAD_PATH", str(tmp_path))
    local = deeplake.load(mem_path, access_method="download:2:threaded")
    assert not local.path.startswith("mem://")
    assert local.x.numpy().ravel().tolist() == [1, 2]
    with pytest.raises(ValueError):
        deeplake.load(mem_path, access_method="bogus")


def _index_files(path) -> set[str]:
    return {p.name for p in path.glob("versions/*/index/*.idx")}


def test_flushes_keep_only_the_index_files_the_manifests_reference(tmp_path):
    """Each flush writes new index files and deletes those that neither the new
    manifest nor the previous one references; a file a crashed writer left behind is
    collected by the first flush after reopening."""
    path = tmp_path / "ds"
    ds = deeplake.empty(str(path), durability="never")
    ds.create_tensor("x", create_id_tensor=False)
    for i in range(6):
        ds.x.append(np.full(3, i))
        ds.flush()
    files = _index_files(path)
    assert len(files) == 2  # the current manifest's and the previous one's
    current = {k.rsplit("/", 1)[1] for k in ds._state.manifest.index_keys()}
    assert current <= files
    version_dir = next(path.glob("versions/*/index"))
    (version_dir / "crashed-leftover.idx").write_bytes(b"junk")
    ds2 = deeplake.load(str(path))
    ds2.x.append(np.full(3, 9))
    ds2.flush()
    assert "crashed-leftover.idx" not in _index_files(path)
    assert len(_index_files(path)) == 2
    np.testing.assert_array_equal(ds2.x.numpy()[:, 0], [0, 1, 2, 3, 4, 5, 9])
    ds3 = deeplake.load(str(path), read_only=True)
    assert len(ds3.x) == 7

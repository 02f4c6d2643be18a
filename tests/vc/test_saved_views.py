"""save_view / get_view / get_views / load_view / delete_view / ViewEntry."""

from __future__ import annotations

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import DatasetViewSavingError, ReadOnlyModeError


@pytest.fixture
def ds(tmp_path):
    d = deeplake.empty(str(tmp_path / "ds"))
    d.create_tensor("x", dtype="int64")
    d.create_tensor("y", dtype="int64")
    d.extend({"x": np.arange(100), "y": -np.arange(100)})
    yield d
    d.close()


def _vals(t):
    return t.numpy().reshape(-1).tolist()


def test_needs_commit(ds):
    with pytest.raises(DatasetViewSavingError):
        ds[:10].save_view(id="a")
    ds.commit()
    ds.x[0] = 5
    with pytest.raises(DatasetViewSavingError):
        ds[:10].save_view(id="a")


def test_save_load_delete(ds):
    ds.commit()
    path = ds[:10].save_view(id="first_10", message="first ten")
    assert path.endswith(".queries/first_10")
    ds[[5, 3, 99]].save_view(id="pick")
    rand = ds[::7].save_view()
    entry = ds.get_view("first_10")
    assert entry.id == "first_10" and entry.message == "first ten"
    assert _vals(entry.load().x) == list(range(10))
    assert _vals(ds.load_view("pick").y) == [-5, -3, -99]
    assert len(ds.load_view(rand.rsplit("/", 1)[1])) == 15
    assert sorted(v.id for v in ds.get_views()) == sorted(
        ["first_10", "pick", rand.rsplit("/", 1)[1]]
    )
    # data seen by a view never changes
    ds.x[0] = 1000
    c2 = ds.commit()
    assert _vals(ds.load_view("first_10").x)[0] == 0
    assert ds.get_views(c2) == []
    assert len(ds.get_views(ds.get_view("pick").commit_id)) == 3
    ds.get_view("pick").delete()
    with pytest.raises(KeyError):
        ds.get_view("pick")
    with pytest.raises(KeyError):
        ds.delete_view("pick")
    with pytest.raises(KeyError):
        ds.load_view("pick")
    with pytest.raises(TypeError):
        ds[:1].save_view(id=5)
    with pytest.raises(DatasetViewSavingError):
        ds[:1].save_view(id="first_10")


def test_tensor_subset_and_optimize(ds):
    ds.commit()
    ds[["x"]][10:20].save_view(id="xs")
    v = ds.load_view("xs")
    assert list(v.tensors) == ["x"] and _vals(v.x) == list(range(10, 20))
    entry = ds.get_view("xs").optimize()
    assert entry.optimized
    assert _vals(ds.load_view("xs").x) == list(range(10, 20))
    ds[:5].save_view(id="opt", optimize=True)
    assert _vals(ds.load_view("opt", optimize=True).y) == [0, -1, -2, -3, -4]


def test_external_view(ds, tmp_path):
    ds.commit()
    out = ds[2:4].save_view(path=str(tmp_path / "ext"), id="ext")
    assert _vals(deeplake.load(out).x) == [2, 3]
    with pytest.raises(KeyError):
        ds.get_view("ext")


def test_read_only_dataset(ds, tmp_path):
    ds.commit()
    ds.close()
    r = deeplake.load(str(tmp_path / "ds"), read_only=True)
    with pytest.raises(ReadOnlyModeError):
        r[:3].save_view(id="v")


def test_documented_view_examples(ds, tmp_path, monkeypatch):
    """The saved-view examples of the v3 reference, with their documented results."""
    ds.create_tensor("labels", dtype="int64")
    ds.labels.extend(np.arange(100) % 10)
    ds.commit("data")
    # filter, save by id, load by id
    zeros = ds.filter("labels == 0")
    zeros.save_view(id="zeros")
    assert len(ds.load_view(id="zeros")) == 10
    # get_view(...).load()
    ds[:100].save_view(id="first_100")
    assert len(ds.get_view("first_100").load()) == 100
    # an external view at a relative path: the path comes back as given
    monkeypatch.chdir(tmp_path)
    vds_path = ds[:10].save_view(path="views/first_10", id="first_10")
    assert vds_path == "views/first_10"
    assert len(deeplake.load(vds_path)) == 10
    # a message; a random id under .queries
    ds[:100].save_view(id="first_100_msg", message="first 100 samples")
    assert ds.get_view("first_100_msg").message == "first 100 samples"
    random_path = ds[:100].save_view()
    assert "/.queries/" in random_path.replace("\\", "/")
    assert len(random_path.rsplit("/", 1)[1]) == 64
    # optimize later, then load
    ds[:10].save_view(id="first_10")
    ds.get_view("first_10").optimize()
    assert _vals(ds.load_view("first_10").x) == list(range(10))

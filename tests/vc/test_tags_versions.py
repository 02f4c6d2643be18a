"""History / Version / Tags / Tag / TagView and the ClearML-style version API."""

from __future__ import annotations

import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    ReadOnlyModeError,
    TagNotFoundError,
    VersionControlError,
)


@pytest.fixture
def ds(mem_path):
    d = deeplake.empty(mem_path)
    d.create_tensor("x", dtype="int64")
    d.x.append(1)
    yield d
    d.close()


def _commits(d, n):
    ids = []
    for i in range(n):
        d.x.append(i)
        ids.append(d.commit(f"c{i}"))
    return ids


def test_history(ds):
    ids = _commits(ds, 3)
    h = ds.history
    assert [v.id for v in h] == ids and len(h) == 3
    assert h[0].id == ids[0] and h[-1].id == ids[-1]
    assert h[ids[1]].message == "c1"
    v = h[ids[0]]
    assert v.timestamp is not None and v.client_timestamp <= h[-1].client_timestamp
    assert len(v.open().x) == 2
    with pytest.raises(KeyError):
        h["0" * 40]
    assert ds.version == ids[-1]


def test_tags(ds):
    ids = _commits(ds, 2)
    tag = ds.tag("v1.0")
    assert tag.name == "v1.0" and tag.version == ids[-1]
    ds.tag("first", version=ids[0])
    assert sorted(ds.tags.names()) == ["first", "v1.0"] and len(ds.tags) == 2
    assert len(ds.tags["first"].open().x) == 2
    assert len(ds.tags["v1.0"].open_async().result().x) == 3
    with pytest.raises(TagNotFoundError):
        ds.tags["non_existent"]
    with pytest.raises(VersionControlError):
        ds.tag("first")
    ds.tags["first"].rename("v0")
    assert sorted(ds.tags.names()) == ["v0", "v1.0"]
    ds.tags["v0"].delete()
    assert ds.tags.names() == ["v1.0"]
    ds.checkout("v1.0")  # a tag is also a checkout address
    assert ds.commit_id == ids[-1]


def test_tag_needs_commit(mem_path):
    d = deeplake.empty(mem_path)
    with pytest.raises(VersionControlError):
        d.tag("nothing")


def test_tag_view_read_only(tmp_path):
    path = str(tmp_path / "ds")
    d = deeplake.empty(path)
    d.create_tensor("x")
    d.x.append(1)
    d.commit()
    d.tag("v1")
    d.close()
    r = deeplake.load(path, read_only=True)
    view = r.tags["v1"]
    assert type(view).__name__ == "TagView" and not hasattr(view, "delete")
    assert len(view.open().x) == 1
    with pytest.raises(ReadOnlyModeError):
        r.tag("v2")


def test_tensor_named_tags_shadows_property(mem_path):
    d = deeplake.empty(mem_path)
    d.create_tensor("tags", htype="text")
    d.tags.append("verified")
    assert d.tags.numpy(aslist=True)[0].tolist() == ["verified"]


def test_clearml_versions(mem_path):
    d = deeplake.empty(mem_path)
    d.create_tensor("x")
    d.x.append(1)
    vi = d.version_info
    assert vi.status == "draft"
    vi.set_masks_labels({(0, 0, 0): ["background"], (1, 1, 1): ["person", "sitting"]})
    assert vi.get_metadata()["mask_labels"] == {
        "_all_": [
            {"value": [0, 0, 0], "labels": ["background"]},
            {"value": [1, 1, 1], "labels": ["person", "sitting"]},
        ]
    }
    snap = vi.create_snapshot(publish_name="v1", child_metadata={"k": 1}, child_comment="c")
    assert vi.metadata == {"k": 1, "comment": "c"}
    assert vi.get_masks_labels(snap) == {
        (0, 0, 0): ["background"],
        (1, 1, 1): ["person", "sitting"],
    }
    assert d.tags["v1"].version == snap
    assert [v["status"] for v in vi.versions()] == ["published", "draft"]
    assert vi.versions(only_published=True)[0]["name"] == "v1"
    with pytest.raises(VersionControlError):
        vi.create_child(d.pending_commit_id)  # a draft has no children
    branch = vi.create_child(snap)
    assert d.branch == branch and vi.status == "draft" and len(d.x) == 1
    d.checkout(snap)
    assert d.version_info.status == "published"
    with pytest.raises(VersionControlError):
        d.version_info.update_metadata({"a": 1})
    pub = d.checkout("main")
    assert pub == snap
    pid = d.version_info.publish("release")
    assert d.get_commit_details(pid)["message"] == "release"


def test_clearml_snapshot_naming_and_child_versions(mem_path):
    """Seed 004: default snapshot names carry an ISO time, the new draft is "Current"
    unless named, a child from a published version is returned if it exists (or
    ValueError with raise_if_exists), versions filter by state and are found by name."""
    import re

    d = deeplake.empty(mem_path)
    d.create_tensor("x")
    d.x.append(1)
    vi = d.version_info
    first = vi.create_snapshot()
    assert re.fullmatch(
        r"snapshot \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", vi.get_version(first)["name"]
    )
    assert vi.get_version()["name"] == "Current" and vi.status == "draft"
    second = vi.create_snapshot(publish_name="named", child_name="Next")
    assert vi.get_version("named")["id"] == second
    assert vi.get_version()["name"] == "Next"
    assert [v["id"] for v in vi.versions(only_published=True)] == [first, second]
    assert [v["name"] for v in vi.versions(only_draft=True)] == ["Next"]
    branch = vi.create_child(first, branch="child")
    assert branch == "child" and len(d.x) == 1
    d.x.append(2)
    d.checkout("main")
    assert vi.create_child(first, branch="child") == "child" and len(d.x) == 2
    with pytest.raises(ValueError):
        vi.create_child(first, branch="child", raise_if_exists=True)
    with pytest.raises(KeyError):
        vi.get_version("missing")

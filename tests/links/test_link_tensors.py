"""link[...] tensors: append with verification, lazy reads, updates and metadata."""

from __future__ import annotations

import numpy as np
import pytest
from link_helpers import image_bytes

import deeplake_core as deeplake
from deeplake_core.core import links
from deeplake_core.core.sample import LinkedSample
from deeplake_core.exceptions import LinkedSampleError, SampleHtypeMismatchError


@pytest.fixture
def files(tmp_path):
    """Two PNGs and a JPEG on disk, with their pixels."""
    out = {}
    for name, shape, fmt in (
        ("a.png", (20, 30, 3), "PNG"),
        ("b.png", (12, 8), "PNG"),
        ("c.jpg", (16, 16, 3), "JPEG"),
    ):
        data, arr = image_bytes(shape, fmt, seed=len(out))
        (tmp_path / name).write_bytes(data)
        out[name] = (str(tmp_path / name), data, arr)
    return out


def test_append_and_read_local_links(ds, files):
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    a, b, c = files["a.png"], files["b.png"], files["c.jpg"]
    ds.img.append(deeplake.link(a[0]))
    ds.img.extend([deeplake.link(b[0]), deeplake.link("file://" + c[0])])
    assert len(ds.img) == 3 and ds.img.is_link
    np.testing.assert_array_equal(ds.img[0].numpy(), a[2])
    np.testing.assert_array_equal(ds.img[1].numpy(), b[2])
    assert ds.img[2].numpy().shape == (16, 16, 3)
    got = ds.img.numpy(aslist=True)
    assert [x.shape for x in got] == [(20, 30, 3), (12, 8), (16, 16, 3)]
    # shapes come from the shape companion written at append (no fetch)
    assert ds.img[0].shape == (20, 30, 3) and ds.img[1].shape == (12, 8)
    assert ds.img.shape_interval.lower[0] == 3
    assert ds.img[0].tobytes() == a[1]
    assert ds.img[2].tobytes() == c[1]
    np.testing.assert_array_equal(ds.img[0, 2:5, ::-3].numpy(), a[2][2:5, ::-3])
    assert ds.img[0].data()["value"].shape == (20, 30, 3)


def test_metadata_methods(ds, files):
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    a, b = files["a.png"][0], files["b.png"][0]
    ds.img.extend([deeplake.link(a), deeplake.link(b)])
    assert ds.img.path() == [a, b]
    assert ds.img[1].path() == b
    assert list(ds.img.path(aslist=False)) == [a, b]
    assert ds.img.creds_key() == [None, None]
    assert ds.img[0].creds_key() is None
    assert ds.img[0]._linked_sample() == LinkedSample(a)
    with pytest.raises(ValueError, match="exactly one"):
        ds.img._linked_sample()
    info = ds.img[0].sample_info
    assert info["format"] == "png" and info["shape"] == [20, 30, 3]
    assert info["filename"] == a
    ds.create_tensor("plain")
    with pytest.raises(Exception, match="not a link"):
        ds.plain.path()


def test_relative_links_are_stored_absolute(ds, files, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    ds.img.append(deeplake.link("./a.png"))
    assert ds.img[0].path() == str(tmp_path / "a.png")
    monkeypatch.chdir("/")
    assert ds.img[0].numpy().shape == (20, 30, 3)


def test_update_pop_and_none(ds, files):
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    a, b = files["a.png"], files["b.png"]
    ds.img.extend([deeplake.link(a[0]), None])
    assert ds.img[1].numpy().shape == (0,)
    ds.img[1] = deeplake.link(b[0])
    np.testing.assert_array_equal(ds.img[1].numpy(), b[2])
    assert ds.img[1].shape == (12, 8)
    assert ds.img[1].sample_info["shape"] == [12, 8]
    ds.img[0] = deeplake.link(b[0])
    assert ds.img.path() == [b[0], b[0]]
    ds.img.pop(0)
    assert ds.img.path() == [b[0]] and len(ds._img_shape) == 1
    with pytest.raises(Exception, match="part of a sample"):
        ds.img[0, 0:2] = np.zeros((2, 8), np.uint8)


def test_verify_refuses_bad_links(ds, tmp_path, files):
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    with pytest.raises(LinkedSampleError, match="does not exist"):
        ds.img.append(deeplake.link(str(tmp_path / "missing.png")))
    (tmp_path / "junk.png").write_bytes(b"not an image at all")
    with pytest.raises(LinkedSampleError, match="verify"):
        ds.img.append(deeplake.link(str(tmp_path / "junk.png")))
    with pytest.raises(SampleHtypeMismatchError):
        ds.img.append(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(LinkedSampleError, match="creds key"):
        ds.img.append(deeplake.link("s3://abc/def.jpeg"))
    with pytest.raises(LinkedSampleError, match="not in this dataset"):
        ds.img.append(deeplake.link(files["a.png"][0], creds_key="nope"))
    # one bad link fails the whole batch
    with pytest.raises(LinkedSampleError):
        ds.img.extend([deeplake.link(files["a.png"][0]), deeplake.link(str(tmp_path / "x.png"))])
    assert len(ds.img) == 0
    ds.img.extend(
        [deeplake.link(files["a.png"][0]), deeplake.link(str(tmp_path / "x.png"))],
        ignore_errors=True,
    )
    assert ds.img.path() == [files["a.png"][0]]


def test_verify_false_fetches_nothing(ds, tmp_path, files, monkeypatch):
    t = ds.create_tensor("img", htype="link[image]", sample_compression="png", verify=False)
    assert not t.verify and set(ds._state.manifest.tensors["img"].companions) == {"id"}
    calls = []
    real = links.fetch
    monkeypatch.setattr(links, "fetch", lambda *a: calls.append(a[1]) or real(*a))
    missing = str(tmp_path / "later.png")
    ds.img.extend([deeplake.link(missing), deeplake.link(files["a.png"][0])])
    assert calls == [] and len(ds.img) == 2
    with pytest.raises(LinkedSampleError, match="does not exist"):
        ds.img[0].numpy()
    (tmp_path / "later.png").write_bytes(files["b.png"][1])
    assert ds.img[0].numpy().shape == (12, 8)
    # shapes are read from the files' headers on demand
    assert ds.img[1].shape == (20, 30, 3)


def test_verify_true_without_companions(ds, files):
    ds.create_tensor(
        "img",
        htype="link[image]",
        sample_compression="png",
        create_shape_tensor=False,
        create_sample_info_tensor=False,
    )
    assert ds.img.verify
    with pytest.raises(LinkedSampleError):
        ds.img.append(deeplake.link("/definitely/not/here.png"))
    ds.img.append(deeplake.link(files["a.png"][0]))
    assert ds.img.shape == (1, 20, 30, 3)
    assert ds.img[0].sample_info == {}


def test_changed_file_is_reported(ds, files, tmp_path):
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    path = str(tmp_path / "moving.png")
    (tmp_path / "moving.png").write_bytes(files["a.png"][1])
    ds.img.append(deeplake.link(path))
    (tmp_path / "moving.png").write_bytes(files["b.png"][1])
    with pytest.raises(LinkedSampleError, match="changed"):
        ds.img[0].numpy()


def test_link_to_wrong_format_is_refused(ds, tmp_path):
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    (tmp_path / "x.txt").write_bytes(b"hello")
    with pytest.raises(LinkedSampleError):
        ds.img.append(deeplake.link(str(tmp_path / "x.txt")))


def test_rgb_conversion_on_read(ds, files):
    ds.create_tensor("img", htype="link[image.rgb]", sample_compression="png")
    ds.img.append(deeplake.link(files["b.png"][0]))  # grey file
    assert ds.img[0].shape == (12, 8, 3)
    assert ds.img[0].numpy().shape == (12, 8, 3)


def test_reopen_keeps_links(tmp_path, files):
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    ds.img.extend([deeplake.link(files["a.png"][0]), deeplake.link(files["b.png"][0])])
    ds.commit("links")
    del ds
    ds = deeplake.load(path, read_only=True)
    assert ds.img.htype == "link[image]" and ds.img.shape == (2, None, None, None)
    assert ds.img.path() == [files["a.png"][0], files["b.png"][0]]
    np.testing.assert_array_equal(ds.img[0].numpy(), files["a.png"][2])
    loaded = [b["img"][0].shape for b in ds.dataloader().numpy()]
    assert loaded == [(20, 30, 3), (12, 8)]


def test_mem_links_need_no_creds(ds):
    from deeplake_core.storage.memory import MemoryProvider

    data, arr = image_bytes((5, 6, 3))
    MemoryProvider("mem://link-source").set("x/y.png", data)
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    ds.img.append(deeplake.link("mem://link-source/x/y.png"))
    np.testing.assert_array_equal(ds.img[0].numpy(), arr)


def test_many_links_are_fetched_concurrently(ds, tmp_path):
    paths = []
    for i in range(24):
        data, _ = image_bytes((4 + i, 5, 3), seed=i)
        (tmp_path / f"{i}.png").write_bytes(data)
        paths.append(str(tmp_path / f"{i}.png"))
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    ds.img.extend([deeplake.link(p) for p in paths])
    shapes = [x.shape for x in ds.img.numpy(aslist=True)]
    assert shapes == [(4 + i, 5, 3) for i in range(24)]
    assert ds.img[5:7].shapes().tolist() == [[9, 5, 3], [10, 5, 3]]


def test_sequence_of_links(ds, files, secret_plugin):
    from link_helpers import SECRET, put

    a, b = files["a.png"], files["b.png"]
    url = put("seqbucket", "c.png", files["c.jpg"][1])
    ds.add_creds_key("k")
    ds.populate_creds("k", {"token": SECRET})
    ds.create_tensor("seq", htype="sequence[link[image]]", sample_compression="png")
    ds.seq.extend([[deeplake.link(a[0]), deeplake.link(b[0])], None])
    ds.seq.append([deeplake.link(a[0]), deeplake.link(url, creds_key="k")])
    first = ds.seq[0].numpy(aslist=True)
    np.testing.assert_array_equal(first[0], a[2])
    np.testing.assert_array_equal(first[1], b[2])
    assert ds.seq[2].shape == (2, None, None, 3)
    assert ds.seq.shapes().tolist()[2] == [2, 20, 30, 3]
    assert ds.seq.path() == [[a[0], b[0]], None, [a[0], url]]
    assert ds.seq[2].creds_key() == [None, "k"]
    with pytest.raises(ValueError, match="several files"):
        ds.seq[0].tobytes()
    ds.update_creds_key("k", "k2")
    assert ds.seq[2].creds_key() == [None, "k2"]
    assert ds.seq[2].numpy(aslist=True)[1].shape == (16, 16, 3)
    with pytest.raises(LinkedSampleError):
        ds.seq.append([deeplake.link("/no/such/file.png")])
    assert len(ds.seq) == 3

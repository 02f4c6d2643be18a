"""What links may reach: local files the user allowed, public http(s) hosts."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from link_helpers import image_bytes

import deeplake_core as deeplake
from deeplake_core.core import link_fetch
from deeplake_core.exceptions import LinkedSampleError, UnableToReadFromUrlError

# ------------------------------------------------------------------ local files


def _linked_dataset(tmp_path, files):
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    ds.img.extend([deeplake.link(f) for f in files])
    return path


def _image_file(tmp_path, name="a.png", shape=(6, 7, 3)):
    data, arr = image_bytes(shape)
    (tmp_path / name).write_bytes(data)
    return str(tmp_path / name), data, arr


def test_reopened_dataset_needs_permission_for_local_files(tmp_path, monkeypatch):
    f, _, arr = _image_file(tmp_path)
    path = _linked_dataset(tmp_path, [f])
    link_fetch.reset_policy()  # as in a new process
    ds = deeplake.load(path, read_only=True)
    assert ds.img.path() == [f]  # reading records is always fine
    assert ds.img[0].shape == (6, 7, 3)  # from the shape companion
    with pytest.raises(LinkedSampleError, match=link_fetch.LOCAL_ROOTS_ENV):
        ds.img[0].numpy()
    with pytest.raises(LinkedSampleError):
        ds.img[0].tobytes()
    monkeypatch.setenv(link_fetch.LOCAL_ROOTS_ENV, str(tmp_path / "elsewhere"))
    with pytest.raises(LinkedSampleError):
        ds.img[0].numpy()
    monkeypatch.setenv(link_fetch.LOCAL_ROOTS_ENV, os.pathsep.join(["/nonexistent", str(tmp_path)]))
    np.testing.assert_array_equal(ds.img[0].numpy(), arr)
    monkeypatch.delenv(link_fetch.LOCAL_ROOTS_ENV)
    with pytest.raises(LinkedSampleError):
        ds.img[0].numpy()
    link_fetch.allow_local_roots(tmp_path)
    np.testing.assert_array_equal(ds.img[0].numpy(), arr)


def test_star_allows_every_local_file(tmp_path, monkeypatch):
    f, data, _ = _image_file(tmp_path)
    ds = deeplake.load(_linked_dataset(tmp_path, [f]))
    link_fetch.reset_policy()
    monkeypatch.setenv(link_fetch.LOCAL_ROOTS_ENV, "*")
    assert ds.img[0].tobytes() == data


def _forge(ds, row: int, record: dict) -> None:
    """Overwrite a stored record as a hostile dataset writer could."""
    raw = np.frombuffer(json.dumps(record).encode(), dtype=np.uint8)
    col = ds._state.column("img")
    col.engine.update(np.asarray([row]), [raw])


@pytest.mark.parametrize(
    "forged",
    ["relative/secret.png", "/tmp/../etc/passwd", "/a/./b.png", "/etc/passwd\x00.png"],
)
def test_forged_unnormalised_paths_are_refused(tmp_path, monkeypatch, forged):
    f, _, _ = _image_file(tmp_path)
    ds = deeplake.load(_linked_dataset(tmp_path, [f]))
    monkeypatch.setenv(link_fetch.LOCAL_ROOTS_ENV, "*")
    _forge(ds, 0, {"path": forged, "creds_key": None})
    with pytest.raises(LinkedSampleError, match="normalised absolute"):
        ds.img[0].tobytes()


def test_forged_record_outside_allowed_root(tmp_path, monkeypatch):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    f, _, _ = _image_file(allowed)
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    ds = deeplake.load(_linked_dataset(tmp_path, [f]))
    link_fetch.reset_policy()
    monkeypatch.setenv(link_fetch.LOCAL_ROOTS_ENV, str(allowed))
    _forge(ds, 0, {"path": str(secret), "creds_key": None})
    with pytest.raises(LinkedSampleError, match="not allowed"):
        ds.img[0].tobytes()
    # a symlink inside the allowed root that points outside it is refused too
    (allowed / "link.png").symlink_to(secret)
    _forge(ds, 0, {"path": str(allowed / "link.png"), "creds_key": None})
    with pytest.raises(LinkedSampleError, match="not allowed"):
        ds.img[0].tobytes()


def test_only_regular_files_are_read(tmp_path, monkeypatch):
    f, _, _ = _image_file(tmp_path)
    ds = deeplake.load(_linked_dataset(tmp_path, [f]))
    monkeypatch.setenv(link_fetch.LOCAL_ROOTS_ENV, "*")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target in (str(fifo), "/dev/zero", str(tmp_path)):
        _forge(ds, 0, {"path": target, "creds_key": None})
        with pytest.raises(LinkedSampleError):
            ds.img[0].tobytes()


def test_damaged_record(tmp_path):
    f, _, _ = _image_file(tmp_path)
    ds = deeplake.load(_linked_dataset(tmp_path, [f]))
    col = ds._state.column("img")
    col.engine.update(np.asarray([0]), [np.frombuffer(b"{not json", dtype=np.uint8)])
    with pytest.raises(LinkedSampleError, match="damaged"):
        ds.img.path()


# ------------------------------------------------------------------ http


def test_loopback_is_refused_unless_allowed(ds, server, monkeypatch):
    data, arr = image_bytes((8, 9, 3))
    url = server.file("/a.png", data)
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    with pytest.raises(LinkedSampleError, match=r"non-public address 127\.0\.0\.1"):
        ds.img.append(deeplake.link(url))
    assert server.hits == {}  # refused before connecting
    monkeypatch.setenv(link_fetch.ALLOW_HOSTS_ENV, "127.0.0.1")
    ds.img.append(deeplake.link(url))
    np.testing.assert_array_equal(ds.img[0].numpy(), arr)
    assert ds.img[0].tobytes() == data
    monkeypatch.setenv(link_fetch.ALLOW_HOSTS_ENV, "10.0.0.0/8, 127.0.0.0/8")
    assert ds.img[0].tobytes() == data
    monkeypatch.delenv(link_fetch.ALLOW_HOSTS_ENV)
    link_fetch.allow_hosts("localhost")
    with pytest.raises(LinkedSampleError):  # the name rule is for 'localhost' only
        ds.img[0].numpy()
    assert ds.img[0].shape == (8, 9, 3)


def test_http_errors_and_limits(ds, server, monkeypatch):
    monkeypatch.setenv(link_fetch.ALLOW_HOSTS_ENV, "127.0.0.1")
    ds.create_tensor("img", htype="link[image]", sample_compression="png", verify=False)
    ds.img.extend(
        [
            deeplake.link(server.url("/missing.png")),
            deeplake.link(server.trickle("/slow.png", 0.1)),
            deeplake.link(server.unbounded("/big.png", 5000)),
            deeplake.link(server.file("/sized.png", b"z" * 5000)),
        ]
    )
    with pytest.raises(UnableToReadFromUrlError, match="404"):
        ds.img[0].tobytes()
    monkeypatch.setenv("DEEPLAKE_CORE_FETCH_TIMEOUT", "0.5")
    start = time.monotonic()
    with pytest.raises(LinkedSampleError, match="longer than"):
        ds.img[1].tobytes()
    assert time.monotonic() - start < 3
    monkeypatch.setenv("DEEPLAKE_CORE_MAX_FETCH_BYTES", "1000")
    for i in (2, 3):
        with pytest.raises(LinkedSampleError, match="fetch limit"):
            ds.img[i].tobytes()


def test_redirects(ds, server, monkeypatch):
    monkeypatch.setenv(link_fetch.ALLOW_HOSTS_ENV, "127.0.0.1")
    data, _ = image_bytes((4, 4, 3))
    server.file("/real.png", data)
    ds.create_tensor("img", htype="link[image]", sample_compression="png", verify=False)
    ds.img.extend(
        [
            deeplake.link(server.redirect("/ok", server.url("/real.png"))),
            deeplake.link(server.redirect("/file", "file:///etc/passwd")),
            deeplake.link(server.redirect("/meta", "http://169.254.169.254/latest/meta-data")),
            deeplake.link(server.redirect("/loop", server.url("/loop"))),
        ]
    )
    assert ds.img[0].tobytes() == data
    with pytest.raises(LinkedSampleError, match="non-http"):
        ds.img[1].tobytes()
    with pytest.raises(LinkedSampleError, match=r"169\.254\.169\.254"):
        ds.img[2].tobytes()
    with pytest.raises(LinkedSampleError, match="redirects"):
        ds.img[3].tobytes()


def test_creds_headers_stay_with_their_host(ds, server, monkeypatch):
    monkeypatch.setenv(link_fetch.ALLOW_HOSTS_ENV, "127.0.0.1")
    data, _ = image_bytes((4, 4, 3))
    server.file("/same.png", data)
    server.file("/other.png", data)
    ds.add_creds_key("h")
    ds.populate_creds("h", {"headers": {"Authorization": "Bearer abc123"}})
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    same = server.redirect("/to-same", server.url("/same.png"))
    other = server.redirect("/to-other", server.url("/other.png", host="localhost"))
    ds.img.extend([deeplake.link(same, creds_key="h"), deeplake.link(other, creds_key="h")])
    assert server.seen_headers["/to-same"]["authorization"] == "Bearer abc123"
    assert server.seen_headers["/same.png"]["authorization"] == "Bearer abc123"
    assert "authorization" not in server.seen_headers["/other.png"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
    ],
)
def test_non_public_addresses_are_refused(address):
    with pytest.raises(LinkedSampleError, match="non-public"):
        link_fetch.check_address("example.com", address)


def test_public_addresses_pass():
    for address in ("93.184.216.34", "8.8.8.8", "2606:4700::6810:85e5"):
        link_fetch.check_address("example.com", address)


@given(st.ip_addresses())
def test_check_address_matches_the_rule(ip):
    mapped = getattr(ip, "ipv4_mapped", None) or ip
    public = mapped.is_global and not (
        mapped.is_multicast or mapped.is_reserved or mapped.is_link_local
    )
    try:
        link_fetch.check_address("h", str(ip))
        allowed = True
    except LinkedSampleError:
        allowed = False
    assert allowed == public
    assert not (allowed and (mapped.is_loopback or mapped.is_private))

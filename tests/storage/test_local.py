"""LocalProvider specifics: paths, atomic writes, symlinks, directories."""

from __future__ import annotations

import os
import threading

import pytest

from deeplake_core.exceptions import (
    DirectoryAtPathException,
    FileAtPathException,
    InvalidKeyError,
)
from deeplake_core.storage.keys import TEMP_MARKER
from deeplake_core.storage.local import LocalProvider, local_root


def test_roots(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert local_root("~/ds") == str(tmp_path / "ds")
    assert local_root(f"file://{tmp_path}/ds") == str(tmp_path / "ds")
    assert local_root(tmp_path / "x") == str(tmp_path / "x")
    monkeypatch.chdir(tmp_path)
    assert LocalProvider("rel").root == str(tmp_path / "rel")  # made absolute
    assert LocalProvider("file://~/ds").root == str(tmp_path / "ds")


def test_root_is_a_file(tmp_path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(FileAtPathException, match="where a directory was expected"):
        LocalProvider(tmp_path / "f")


def test_root_created_lazily(tmp_path) -> None:
    p = LocalProvider(tmp_path / "new" / "root")
    assert not (tmp_path / "new").exists()
    assert list(p) == [] and not p.exists("a")
    p["a/b"] = b"1"
    assert (tmp_path / "new" / "root" / "a" / "b").read_bytes() == b"1"


def test_directory_at_key(tmp_path) -> None:
    p = LocalProvider(tmp_path)
    p["d/inner"] = b"1"
    with pytest.raises(DirectoryAtPathException):
        p["d"]
    with pytest.raises(DirectoryAtPathException):
        p.get_range("d", 0, 1)
    with pytest.raises(DirectoryAtPathException):
        p.size("d")
    with pytest.raises(DirectoryAtPathException):
        p["d"] = b"x"
    with pytest.raises(DirectoryAtPathException):
        del p["d"]
    assert not p.exists("d")


def test_file_in_the_way_of_a_directory(tmp_path) -> None:
    p = LocalProvider(tmp_path)
    p["f"] = b"1"
    with pytest.raises(FileAtPathException):
        p["f/child"] = b"2"
    with pytest.raises(KeyError):
        p["f/child"]


def test_symlink_escape_refused(tmp_path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"s")
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(outside, root / "link")
    os.symlink(outside / "secret", root / "filelink")
    p = LocalProvider(root)
    for op in (
        lambda: p["link/secret"],
        lambda: p.exists("link/secret"),
        lambda: p.set("link/new", b"x"),
        lambda: p["filelink"],
        lambda: p.delete("filelink"),
    ):
        with pytest.raises(InvalidKeyError, match="symlink"):
            op()
    assert not (outside / "new").exists()
    assert sorted(p) == []  # escaping links are not listed


def test_symlink_inside_root_allowed(tmp_path) -> None:
    p = LocalProvider(tmp_path)
    p["real/v"] = b"1"
    os.symlink(tmp_path / "real" / "v", tmp_path / "alias")
    assert p["alias"] == b"1"
    assert set(p) == {"real/v", "alias"}


def test_temp_files_never_listed(tmp_path) -> None:
    p = LocalProvider(tmp_path)
    p["a/b"] = b"1"
    (tmp_path / "a" / f"{TEMP_MARKER}-dead").write_bytes(b"torn")
    (tmp_path / f"{TEMP_MARKER}-dead2").write_bytes(b"torn")
    assert sorted(p) == ["a/b"]
    assert p.remove_temp_files(older_than=-1) == 2
    assert sorted(os.listdir(tmp_path / "a")) == ["b"]


def test_no_temp_left_after_writes(tmp_path) -> None:
    p = LocalProvider(tmp_path)
    for i in range(20):
        p[f"k/{i % 3}"] = os.urandom(100)
        p.set_if_absent(f"k/{i % 5}", b"x")
    names = [n for _, _, files in os.walk(tmp_path) for n in files]
    assert not [n for n in names if n.startswith(TEMP_MARKER)]


def test_delete_prunes_empty_directories(tmp_path) -> None:
    p = LocalProvider(tmp_path / "r")
    p["a/b/c/d"] = b"1"
    p["a/x"] = b"2"
    del p["a/b/c/d"]
    assert sorted(os.listdir(tmp_path / "r" / "a")) == ["x"]
    del p["a/x"]
    assert os.listdir(tmp_path / "r") == []
    assert (tmp_path / "r").is_dir()  # the root itself stays


def test_clear_removes_root_and_prefix_dirs(tmp_path) -> None:
    p = LocalProvider(tmp_path / "r")
    p["t/1/a"] = b"1"
    p["t/2"] = b"1"
    p["u"] = b"1"
    p.clear("t/")
    assert sorted(os.listdir(tmp_path / "r")) == ["u"]
    p.clear()
    assert not (tmp_path / "r").exists()


def test_range_reads_are_seeks(tmp_path) -> None:
    p = LocalProvider(tmp_path)
    value = os.urandom(3 << 20)
    p["big"] = value
    assert (
        p.get_range("big", (1 << 20) + 7, (2 << 20) + 11) == value[(1 << 20) + 7 : (2 << 20) + 11]
    )
    assert p.get_range("big", len(value) - 3) == value[-3:]
    assert p.get_range("big", len(value) + 10) == b""


def test_concurrent_readers_never_see_torn_values(tmp_path) -> None:
    p = LocalProvider(tmp_path, durable=False)
    values = [bytes([i]) * 200_000 for i in range(4)]
    p["hot"] = values[0]
    stop = threading.Event()
    bad: list[int] = []

    def reader() -> None:
        while not stop.is_set():
            v = p["hot"]
            if v not in values:
                bad.append(len(v))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(200):
        p["hot"] = values[i % 4]
    stop.set()
    for t in threads:
        t.join()
    assert bad == []


def test_set_if_absent_across_processes(tmp_path) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.starmap(_claim, [(str(tmp_path), i) for i in range(8)])
    assert sum(results) == 1
    winner = results.index(True)
    assert LocalProvider(tmp_path)["claim"] == str(winner).encode()


def _claim(root: str, i: int) -> bool:
    return LocalProvider(root).set_if_absent("claim", str(i).encode())


def test_rename(tmp_path) -> None:
    p = LocalProvider(tmp_path / "a")
    p["k"] = b"1"
    p.rename(tmp_path / "b")
    assert p.root == str(tmp_path / "b") and p["k"] == b"1"
    assert not (tmp_path / "a").exists()
    p2 = LocalProvider(tmp_path / "c")
    p2["k"] = b"2"
    with pytest.raises(FileExistsError):
        p2.rename(tmp_path / "b")

"""deeplake_core.core.paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deeplake_core.core.paths import (
    check_no_version,
    is_hub_path,
    is_local_path,
    normalize_local,
    path_scheme,
    split_version,
)


@pytest.mark.parametrize(
    "path,expected",
    [
        ("hub://username/dataset@new_branch", ("hub://username/dataset", "new_branch")),
        (
            "hub://u/ds@3e49cded62b6b335c74ff07e97f8451a37aca7b2",
            ("hub://u/ds", "3e49cded62b6b335c74ff07e97f8451a37aca7b2"),
        ),
        ("./ds@main", ("./ds", "main")),
        ("mem://ds@dev", ("mem://ds", "dev")),
        ("s3://bucket/path/ds", ("s3://bucket/path/ds", None)),
        ("s3://key:secret@bucket/ds", ("s3://key:secret@bucket/ds", None)),
        ("s3://key:secret@bucket/ds@main", ("s3://key:secret@bucket/ds", "main")),
        ("/data/run@3/ds", ("/data/run@3/ds", None)),
        ("ds@a@b", ("ds@a", "b")),
        ("plain", ("plain", None)),
    ],
)
def test_split_version(path, expected):
    assert split_version(path) == expected


def test_split_version_pathlike_and_errors():
    assert split_version(Path("ds@main")) == ("ds", "main")
    for bad in ("ds@", "@main", "mem://@main", "dir/@main"):
        with pytest.raises(ValueError):
            split_version(bad)


@pytest.mark.parametrize("op", ["empty", "delete", "exists", "dataset"])
def test_check_no_version(op):
    assert check_no_version("hub://o/ds", op) == "hub://o/ds"
    with pytest.raises(ValueError, match="without '@main'"):
        check_no_version("hub://o/ds@main", op)


def test_schemes():
    assert path_scheme("S3://b/x") == "s3"
    assert path_scheme("mem://x") == "mem"
    assert path_scheme("./x") == path_scheme("~/x") == path_scheme("file:///tmp/x") == "file"
    assert path_scheme("C:\\data\\ds") == "file"
    assert is_hub_path("hub://org/ds") and not is_hub_path("s3://b/ds")
    assert is_local_path("ds") and not is_local_path("gcs://b/ds")


def test_normalize_local(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert normalize_local("a/../b") == os.path.join(str(tmp_path), "b")
    assert normalize_local("~/x") == os.path.join(os.path.expanduser("~"), "x")
    assert normalize_local("file:///tmp/x/") == "/tmp/x"
    assert normalize_local("s3://b/x") == "s3://b/x"

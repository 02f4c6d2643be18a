"""Credentials never leave the process: not in stored bytes, reprs, pickles, logs or
error messages, after every credential-bearing operation (RELIABILITY 14)."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import numpy as np
import pytest

import deeplake_core as deeplake

SECRET = "SeCrEt-7f3a9c1e-token"
LINK_SECRET = "LiNk-4b2d8e6f-secret"


def _creds() -> dict[str, str]:
    return {
        "aws_access_key_id": "AKIA" + SECRET[:6],
        "aws_secret_access_key": SECRET,
        "aws_session_token": SECRET + "-session",
        "token": SECRET,
    }


def _grep_tree(root: Path) -> list[str]:
    hits = []
    for p in root.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            for s in (SECRET, LINK_SECRET):
                if s.encode() in data:
                    hits.append(f"{p.relative_to(root)} contains {s}")
    return hits


def _assert_clean(text: str, what: str) -> None:
    for s in (SECRET, LINK_SECRET, SECRET[:12], LINK_SECRET[:12]):
        assert s not in text, f"{what} leaks a credential"


@pytest.fixture()
def ds_with_creds(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "ds"
    ds = deeplake.empty(str(path), creds=_creds())
    ds.create_tensor("x", dtype="int64")
    ds.x.extend(np.arange(5))
    ds.add_creds_key("remote")
    ds.populate_creds("remote", {"aws_secret_access_key": LINK_SECRET, "token": LINK_SECRET})
    ds.create_tensor("links", htype="link[image]", verify=False, sample_compression="png")
    ds.links.append(deeplake.link("s3://bucket/a.png", creds_key="remote"))
    ds.commit("with links")
    ds.flush()
    yield ds, path
    ds.close()


def test_no_secret_in_stored_bytes(ds_with_creds) -> None:
    ds, path = ds_with_creds
    ds.update_creds_key("remote", "remote2")
    ds.flush()
    assert _grep_tree(path) == []


def test_no_secret_in_reprs_pickles_or_logs(ds_with_creds, caplog) -> None:
    ds, _path = ds_with_creds
    texts = {
        "repr(ds)": repr(ds),
        "str(ds)": str(ds),
        "repr(tensor)": repr(ds.links),
        "summary": repr(ds.summary()) if hasattr(ds, "summary") else "",
        "info": repr(ds.info),
        "creds keys": repr(ds.get_creds_keys()),
        "storage": repr(ds.storage) if hasattr(ds, "storage") else "",
        "state": repr(vars(ds._state)),
    }
    for what, text in texts.items():
        _assert_clean(text, what)
    blob = pickle.dumps(ds)
    assert SECRET.encode() not in blob and LINK_SECRET.encode() not in blob
    _assert_clean(caplog.text, "the log")


def test_no_secret_in_errors(ds_with_creds, caplog) -> None:
    """Reading a link whose provider is unavailable or refuses: the error names the
    creds key at most, never its values."""
    ds, _ = ds_with_creds
    with pytest.raises(Exception) as info:
        ds.links.numpy()
    chain, exc = [], info.value
    while exc is not None:
        chain.append(f"{type(exc).__name__}: {exc} {exc.args!r}")
        exc = exc.__cause__ or exc.__context__
    _assert_clean("\n".join(chain), "the error")
    _assert_clean(caplog.text, "the log")


def test_reopened_dataset_has_no_secret(ds_with_creds) -> None:
    ds, path = ds_with_creds
    ds.close()
    again = deeplake.load(str(path), read_only=True)
    _assert_clean(repr(again) + repr(vars(again._state)), "a reopened dataset")
    assert "remote" in again.get_creds_keys()
    assert _grep_tree(path) == []

"""Creds keys: names persisted, values kept in memory only, never leaked."""

from __future__ import annotations

import logging
import pickle

import numpy as np
import pytest
from link_helpers import SECRET, SecretProvider, image_bytes, put

import deeplake_core as deeplake
from deeplake_core.exceptions import CredsKeyNotFoundError, LinkedSampleError
from deeplake_core.storage import get_base_storage


def test_creds_key_lifecycle(ds):
    assert ds.get_creds_keys() == set() and ds.get_managed_creds_keys() == []
    ds.add_creds_key("MY_S3_KEY")
    ds.add_creds_key("GCS_KEY")
    assert ds.get_creds_keys() == {"MY_S3_KEY", "GCS_KEY"}
    with pytest.raises(ValueError, match="already exists"):
        ds.add_creds_key("GCS_KEY")
    with pytest.raises(ValueError, match="hosted platform"):
        ds.add_creds_key("my_s3_creds", managed=True)
    with pytest.raises(TypeError):
        ds.add_creds_key(3)
    ds.populate_creds("MY_S3_KEY", {})
    ds.populate_creds("GCS_KEY", from_environment=True)
    with pytest.raises(KeyError):
        ds.populate_creds("unknown", {})
    with pytest.raises(CredsKeyNotFoundError, match="add_creds_key"):
        ds.populate_creds("unknown", {})
    with pytest.raises(ValueError, match="not both"):
        ds.populate_creds("GCS_KEY", {"a": 1}, from_environment=True)
    with pytest.raises(ValueError):
        ds.populate_creds("GCS_KEY")
    with pytest.raises(TypeError):
        ds.populate_creds("GCS_KEY", "token")


def test_update_creds_key_errors(ds):
    ds.add_creds_key("my_s3_key")
    with pytest.raises(ValueError, match="new_creds_key, managed"):
        ds.update_creds_key("my_s3_key")
    with pytest.raises(KeyError):
        ds.update_creds_key("absent", "x")
    with pytest.raises(ValueError, match="hosted platform"):
        ds.update_creds_key("my_s3_key", "my_managed_key", True)
    ds.add_creds_key("other")
    with pytest.raises(ValueError, match="already exists"):
        ds.update_creds_key("my_s3_key", "other")
    ds.update_creds_key("my_s3_key", managed=False)
    assert ds.get_creds_keys() == {"my_s3_key", "other"}


def test_provider_links_with_creds(ds, secret_plugin):
    data, arr = image_bytes((7, 9, 3))
    url = put("bucket", "img/a.png", data)
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    with pytest.raises(LinkedSampleError, match="creds key"):
        ds.img.append(deeplake.link(url))
    ds.add_creds_key("k")
    with pytest.raises(LinkedSampleError, match="populate"):
        ds.img.append(deeplake.link(url, creds_key="k"))  # verify needs the creds
    ds.populate_creds("k", {"token": SECRET})
    ds.img.append(deeplake.link(url, creds_key="k"))
    np.testing.assert_array_equal(ds.img[0].numpy(), arr)
    assert ds.img[0].creds_key() == "k" and ds.img.creds_key() == ["k"]
    assert ds.img[0].tobytes() == data


def test_unpopulated_creds_raise_value_error_after_reload(tmp_path, secret_plugin):
    data, _ = image_bytes((7, 9, 3))
    url = put("bucket2", "a.png", data)
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.add_creds_key("k")
    ds.populate_creds("k", {"token": SECRET})
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    ds.img.append(deeplake.link(url, creds_key="k"))
    del ds
    ds = deeplake.load(path)
    assert ds.get_creds_keys() == {"k"}  # the name is persisted
    with pytest.raises(ValueError, match="populate_creds"):
        ds.img[0].numpy()
    assert ds.img[0].shape == (7, 9, 3)  # recorded at append: no fetch needed
    ds.populate_creds("k", {"token": "wrong"})
    with pytest.raises(LinkedSampleError) as err:
        ds.img[0].numpy()
    assert "wrong" not in str(err.value)  # the provider echoed its creds: scrubbed
    ds.populate_creds("k", {"token": SECRET})
    assert ds.img[0].numpy().shape == (7, 9, 3)


def test_rename_moves_links_and_creds(ds, secret_plugin):
    data, _ = image_bytes((3, 4, 3))
    url = put("bucket3", "a.png", data)
    ds.add_creds_key("old")
    ds.populate_creds("old", {"token": SECRET})
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    ds.img.extend([deeplake.link(url, creds_key="old"), None])
    ds.update_creds_key("old", "new")
    assert ds.get_creds_keys() == {"new"}
    assert ds.img.creds_key() == ["new", None]
    assert ds.img[0].numpy().shape == (3, 4, 3)  # populated creds moved too
    assert ds._img_shape.numpy(aslist=True)[0].tolist() == [3, 4, 3, 3, 4, 3]


def _all_stored_bytes(ds) -> bytes:
    ds.flush()
    base = get_base_storage(ds.storage)
    return b"".join(key.encode() + bytes(base[key]) for key in base.list_prefix(""))


def test_secrets_never_leave_memory(tmp_path, secret_plugin, caplog):
    caplog.set_level(logging.DEBUG)
    data, _ = image_bytes((5, 5, 3))
    url = put("bucket4", "s.png", data)
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.add_creds_key("k")
    ds.populate_creds("k", {"token": SECRET, "headers": {"Authorization": SECRET}})
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    ds.img.append(deeplake.link(url, creds_key="k"))
    ds.img.numpy(aslist=True)
    ds.update_creds_key("k", "k2")
    ds.img[0].numpy()
    ds.commit("with links")
    errors = []
    for bad in ("linktest://bucket4/missing.png", "linktest://nobucket/x.png"):
        try:
            ds.img.append(deeplake.link(bad, creds_key="k2"))
        except Exception as exc:  # every message is inspected
            errors.append(f"{type(exc).__name__}: {exc} {exc!r}")
    assert errors
    texts = [
        repr(ds),
        str(ds),
        repr(ds.img),
        repr(ds.img[0]._linked_sample()),
        str(ds.img.path()),
        str(ds.img.sample_info),
        caplog.text,
        *errors,
    ]
    for text in texts:
        assert SECRET not in text
    assert SECRET.encode() not in _all_stored_bytes(ds)
    assert SECRET.encode() not in pickle.dumps(ds)
    assert SECRET.encode() not in pickle.dumps(ds.img[0]._linked_sample())
    # what the provider received is the only place the secret went
    assert any(isinstance(c, dict) and c.get("token") == SECRET for c in SecretProvider.opened)
    reopened = pickle.loads(pickle.dumps(ds))
    with pytest.raises(ValueError, match="populate_creds"):
        reopened.img[0].numpy()

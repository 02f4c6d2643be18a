"""deeplake_core.api.info.Info."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deeplake_core.api.info import Info
from deeplake_core.exceptions import InfoError, ReadOnlyModeError


def _tracked(data=None):
    saved: list[dict] = []
    info = Info(
        {} if data is None else data, on_change=lambda d: saved.append(json.loads(json.dumps(d)))
    )
    return info, saved


def test_dict_protocol_and_persistence():
    backing = {"a": 1}
    info, saved = _tracked(backing)
    info["b"] = [1, 2]
    assert backing == {"a": 1, "b": [1, 2]}  # edited in place
    assert saved[-1] == backing
    info.update({"c": 3}, d="x")
    assert saved[-1] == {"a": 1, "b": [1, 2], "c": 3, "d": "x"}
    assert len(saved) == 2  # update is one change
    assert sorted(info.keys()) == ["a", "b", "c", "d"] and len(info) == 4
    assert "c" in info and list(iter(info)) == list(backing)
    assert info.get("zz", 5) == 5 and info.pop("zz", None) is None
    assert info.pop("c") == 3 and "c" not in backing
    assert info.setdefault("e", {"k": 1}) == {"k": 1}
    assert info.setdefault("e", 2) == {"k": 1}
    assert info.popitem() == ("e", {"k": 1})
    del info["d"]
    assert dict(info.items()) == {"a": 1, "b": [1, 2]} and list(info.values()) == [1, [1, 2]]
    assert info == {"a": 1, "b": [1, 2]}
    assert repr(info) == repr(backing)
    info.replace_with({"z": None})
    assert backing == {"z": None} and saved[-1] == {"z": None}
    info.clear()
    assert backing == {} and saved[-1] == {}
    with pytest.raises(KeyError):
        info.pop("missing")
    with pytest.raises(KeyError):
        del info["missing"]


def test_attribute_access():
    info, saved = _tracked()
    info.class_names = ["cat", "dog"]
    assert info.class_names == ["cat", "dog"] and info["class_names"] == ["cat", "dog"]
    assert saved[-1] == {"class_names": ["cat", "dog"]}
    del info.class_names
    assert "class_names" not in info
    with pytest.raises(AttributeError, match="no key"):
        _ = info.missing
    assert getattr(info, "missing", 0) == 0
    with pytest.raises(InfoError):
        info.keys = 1  # a method name: item access only
    info["keys"] = 1
    assert info["keys"] == 1


def test_json_values_only():
    info, _ = _tracked()
    info["arr"] = np.arange(3)
    info["scalar"] = np.float32(0.5)
    info["tup"] = (1, (2, 3))
    assert info["arr"] == [0, 1, 2] and info["scalar"] == 0.5 and info["tup"] == [1, [2, 3]]
    assert type(info["scalar"]) is float
    for bad in (object(), {1: "x"}, [1, {2}], b"bytes"):
        with pytest.raises(InfoError, match="info"):
            info["bad"] = bad
    with pytest.raises(InfoError):
        info.update({"ok": 1, "bad": object()})
    assert "ok" not in info  # update is all-or-nothing
    with pytest.raises(InfoError):
        info[3] = "x"
    assert info.nbytes == len(json.dumps(info.to_dict()).encode())


def test_stored_values_are_copies():
    info, _ = _tracked()
    labels = ["a"]
    info["labels"] = labels
    labels.append("b")
    assert info["labels"] == ["a"]


def test_read_only():
    backing = {"a": 1}
    info = Info(backing, read_only=True)
    for write in (
        lambda: info.__setitem__("b", 1),
        lambda: info.update(b=1),
        lambda: setattr(info, "b", 1),
        lambda: info.clear(),
        lambda: info.pop("a"),
        lambda: info.__delitem__("a"),
        lambda: info.replace_with({}),
    ):
        with pytest.raises(ReadOnlyModeError):
            write()
    assert backing == {"a": 1} and info.read_only and info.a == 1


def test_failed_callback_rolls_back():
    backing = {"a": 1, "b": 2}

    def refuse(_):
        raise ReadOnlyModeError("owner is read-only")

    info = Info(backing, on_change=refuse)
    with pytest.raises(ReadOnlyModeError):
        info.update(a=10, c=3)
    with pytest.raises(ReadOnlyModeError):
        info.clear()
    with pytest.raises(ReadOnlyModeError):
        del info["a"]
    assert backing == {"a": 1, "b": 2}

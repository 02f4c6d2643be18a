"""Key validation: nothing a key can say leaves the root."""

from __future__ import annotations

import posixpath
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeplake_core.exceptions import DeepLakeCoreError, InvalidKeyError
from deeplake_core.storage.keys import TEMP_MARKER, check_key, check_prefix


@pytest.mark.parametrize(
    ("key", "normal"),
    [
        ("a", "a"),
        ("a/b/c.json", "a/b/c.json"),
        ("a//b", "a/b"),
        ("./a/./b", "a/b"),
        ("a/.../b", "a/.../b"),
        ("..a/b..", "..a/b.."),
        ("caf\u0065\u0301", "caf\u00e9"),  # NFD -> NFC
        ("tensors/x/chunks/0a1b", "tensors/x/chunks/0a1b"),
        ("refs/branches/main.json", "refs/branches/main.json"),
        ("with space/x", "with space/x"),
        ("ab:c/xy:z", "ab:c/xy:z"),  # colons that are not drive letters are fine
    ],
)
def test_valid_keys(key: str, normal: str) -> None:
    assert check_key(key) == normal


@pytest.mark.parametrize(
    "key",
    [
        "",
        ".",
        "./",
        "/",
        "a/",
        "/abs",
        "//server/share",
        "..",
        "../a",
        "a/../..",
        "a/b/../../../c",
        "a\\b",
        "C:",
        "c:/x",
        "D:relative",
        "./C:/x",
        "a/c:d",
        "a\x00",
        "a\x1fb",
        "a\x7fb",
        "line\nbreak",
        f"dir/{TEMP_MARKER}-123",
        None,
        b"bytes",
        3,
    ],
)
def test_invalid_keys(key: object) -> None:
    with pytest.raises(InvalidKeyError) as info:
        check_key(key)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, DeepLakeCoreError)
    assert "invalid storage key" in str(info.value)


def test_prefixes() -> None:
    assert check_prefix("") == ""
    assert check_prefix("a/") == "a/"
    assert check_prefix("a") == "a"
    assert check_prefix("a//b/") == "a/b/"
    assert check_prefix("a/.") == "a/"
    for bad in ("../", "/a", "a\\b", "C:/"):
        with pytest.raises(InvalidKeyError):
            check_prefix(bad)


@settings(max_examples=3000)
@given(st.text(alphabet=st.sampled_from(list("ab./\\:\x00\n C~\u0301é")), max_size=14))
def test_fuzz_keys_stay_under_root(key: str) -> None:
    """Whatever the input, an accepted key joined to a root stays under it."""
    try:
        normal = check_key(key)
    except InvalidKeyError:
        return
    assert normal and normal == unicodedata.normalize("NFC", normal)
    assert not normal.startswith("/") and "\\" not in normal and "\x00" not in normal
    assert ".." not in normal.split("/") and "" not in normal.split("/")
    joined = posixpath.normpath(posixpath.join("/root/base", normal))
    assert joined.startswith("/root/base/")
    assert check_key(normal) == normal  # idempotent


@settings(max_examples=1000)
@given(st.text(max_size=30))
def test_fuzz_arbitrary_text_never_crashes(key: str) -> None:
    try:
        normal = check_key(key)
    except InvalidKeyError:
        return
    assert check_key(normal) == normal

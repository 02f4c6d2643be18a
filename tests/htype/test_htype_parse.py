import pytest
from hypothesis import given
from hypothesis import strategies as st

from deeplake_core.exceptions import TensorMetaInvalidHtype
from deeplake_core.htype import ParsedHtype, compose_htype, parse_htype


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("image", ParsedHtype("image", False, False, "image")),
        ("bbox.3d", ParsedHtype("bbox.3d", False, False, "bbox.3d")),
        ("sequence[image]", ParsedHtype("image", True, False, "sequence[image]")),
        ("link[video]", ParsedHtype("video", False, True, "link[video]")),
        ("sequence[link[image]]", ParsedHtype("image", True, True, "sequence[link[image]]")),
        (" sequence[ link[image] ] ", ParsedHtype("image", True, True, "sequence[link[image]]")),
        ("sequence", ParsedHtype("generic", True, False, "sequence[generic]")),
        ("link", ParsedHtype("generic", False, True, "link[generic]")),
        (None, ParsedHtype("generic", False, False, "generic")),
        ("unspecified", ParsedHtype("generic", False, False, "generic")),
    ],
)
def test_parse(text, expected):
    assert parse_htype(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sequence[sequence[image]]", "cannot be nested"),
        ("link[link[image]]", "link\\[...\\] cannot be nested"),
        ("link[sequence[image]]", "write sequence\\[link"),
        ("Image", "lowercase name"),
        ("sequence[image", "lowercase name"),
        ("foo[image]", "lowercase name"),
        ("", "lowercase name"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(TensorMetaInvalidHtype, match=message):
        parse_htype(text)


def test_parse_rejects_non_strings():
    with pytest.raises(TensorMetaInvalidHtype, match=r"an htype is a string"):
        parse_htype(3)


names = st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z0-9_]{1,5})?", fullmatch=True).filter(
    lambda s: s not in ("sequence", "link")
)


@given(names, st.booleans(), st.booleans())
def test_compose_and_parse_are_inverse(name, is_sequence, is_link):
    full = compose_htype(name, is_sequence, is_link)
    assert parse_htype(full) == ParsedHtype(name, is_sequence, is_link, full)

"""Parsing of htype strings: ``bbox``, ``sequence[image]``, ``link[video]``,
``sequence[link[image]]``.

``sequence[...]`` makes every sample a list of items of the wrapped htype and
``link[...]`` stores references to external files instead of their data. A link may
sit inside a sequence, never the other way round, and neither wrapper nests in itself.
A bare ``sequence`` means ``sequence[generic]`` and a bare ``link`` ``link[generic]``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from deeplake_core.exceptions import TensorMetaInvalidHtype

DEFAULT_HTYPE = "generic"
_WRAPPED = re.compile(r"^(sequence|link)\[(.*)\]$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


class ParsedHtype(NamedTuple):
    """An htype string taken apart."""

    #: The innermost htype name (``image`` for ``sequence[link[image]]``).
    name: str
    is_sequence: bool
    is_link: bool
    #: The normalised full string (whitespace removed).
    full: str


def compose_htype(name: str, is_sequence: bool = False, is_link: bool = False) -> str:
    """Inverse of :func:`parse_htype`: ``("image", True, True)`` -> ``sequence[link[image]]``."""
    full = f"link[{name}]" if is_link else name
    return f"sequence[{full}]" if is_sequence else full


def _invalid(htype: str, why: str) -> TensorMetaInvalidHtype:
    exc = TensorMetaInvalidHtype(htype, [])
    exc.args = (f"Invalid htype {htype!r}: {why}",)
    return exc


def parse_htype(htype: str | None) -> ParsedHtype:
    """Split an htype string into its base name and its wrappers.

    ``None`` and ``"unspecified"`` give ``generic``. Raises
    :class:`~deeplake_core.exceptions.TensorMetaInvalidHtype` for malformed strings;
    whether the base name exists is checked later, against the plugin registry.
    """
    if htype is None or htype == "unspecified":
        htype = DEFAULT_HTYPE
    if not isinstance(htype, str):
        raise _invalid(repr(htype), "an htype is a string such as 'image' or 'sequence[bbox]'.")
    text = "".join(htype.split())
    rest = text
    is_sequence = is_link = False
    while True:
        if rest in ("sequence", "link"):
            rest = f"{rest}[{DEFAULT_HTYPE}]"
        match = _WRAPPED.match(rest)
        if match is None:
            break
        wrapper, rest = match.groups()
        if wrapper == "sequence":
            if is_sequence or is_link:
                why = (
                    "sequence[...] cannot be nested"
                    if is_sequence
                    else "write sequence[link[...]], not link[sequence[...]]"
                )
                raise _invalid(htype, why + ".")
            is_sequence = True
        else:
            if is_link:
                raise _invalid(htype, "link[...] cannot be nested.")
            is_link = True
    if not _NAME.match(rest):
        raise _invalid(
            htype,
            "expected a lowercase name such as 'bbox' or 'image.rgb', optionally wrapped "
            "as sequence[...], link[...] or sequence[link[...]].",
        )
    return ParsedHtype(rest, is_sequence, is_link, compose_htype(rest, is_sequence, is_link))

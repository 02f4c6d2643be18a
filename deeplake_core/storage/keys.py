"""Storage keys: validation and normalisation.

A key is a relative, ``/``-separated path under a provider's root. :func:`check_key`
returns its normal form or raises :class:`~deeplake_core.exceptions.InvalidKeyError`
for anything that could name a location outside the root or that different platforms
would read differently:

* empty keys, keys ending in ``/`` (they name a directory, not a value);
* absolute paths (leading ``/``), backslashes, segments starting with a Windows
  drive letter (``C:``, ``d:x``);
* ``..`` segments; NUL and other control characters;
* segments starting with :data:`TEMP_MARKER` (reserved for in-flight writes).

Normalisation: ``.`` segments and repeated ``/`` are dropped and the text is put in
Unicode NFC form, so ``a//./b`` and ``a/b`` are one key on every provider.
"""

from __future__ import annotations

import re
import unicodedata

from deeplake_core.exceptions import InvalidKeyError

#: Names of temporary files that hold writes in progress start with this marker.
#: Keys may not use it, so a temporary file is never mistaken for a value.
TEMP_MARKER = ".~dlc-tmp"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


def _fail(key: object, why: str) -> InvalidKeyError:
    return InvalidKeyError(f"invalid storage key {key!r}: {why}")


def _segments(text: str, original: object) -> list[str]:
    if "\\" in text:
        raise _fail(original, "backslashes are not allowed; separate segments with '/'")
    if _CONTROL.search(text):
        raise _fail(original, "NUL and control characters are not allowed")
    if text.startswith("/"):
        raise _fail(original, "keys are relative to the storage root; remove the leading '/'")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    for part in parts:
        if _DRIVE.match(part):  # os.path.join on Windows would restart at that drive
            raise _fail(original, "drive letters ('C:') are not allowed in any segment")
        if part == "..":
            raise _fail(original, "'..' segments could leave the storage root")
        if part.startswith(TEMP_MARKER):
            raise _fail(original, f"segments starting with {TEMP_MARKER!r} are reserved")
    return parts


def check_key(key: str) -> str:
    """Return the normal form of ``key``; raise ``InvalidKeyError`` if it is unsafe."""
    if not isinstance(key, str):
        raise _fail(key, f"keys are str, not {type(key).__name__}")
    text = unicodedata.normalize("NFC", key)
    if text.endswith("/"):
        raise _fail(key, "a key cannot end with '/' (that names a directory)")
    parts = _segments(text, key)
    if not parts:
        raise _fail(key, "the key is empty")
    return "/".join(parts)


def check_prefix(prefix: str) -> str:
    """Normal form of a listing prefix: like :func:`check_key`, but ``""`` (everything)
    is allowed and a trailing ``/`` is kept (``"a/"`` matches keys under ``a``, not ``ab``)."""
    if not isinstance(prefix, str):
        raise _fail(prefix, f"prefixes are str, not {type(prefix).__name__}")
    text = unicodedata.normalize("NFC", prefix)
    parts = _segments(text, prefix)
    if not parts:
        return ""
    joined = "/".join(parts)
    return joined + "/" if text.endswith("/") or text.endswith("/.") else joined

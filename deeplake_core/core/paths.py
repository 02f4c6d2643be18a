"""Dataset path helpers: URL scheme, ``path@version`` suffixes, local normalisation.

Version suffix rule (``path@branch`` or ``path@<commit id>``): the version is the text
after the last ``@`` of the path's **last segment** (after the last ``/``). So

* ``hub://org/ds@main`` -> ``("hub://org/ds", "main")``;
* ``mem://ds@main`` -> ``("mem://ds", "main")`` (with no ``/`` after ``scheme://``, the
  name after it is the last segment);
* ``s3://key:secret@bucket/ds`` -> no version: URL user information sits before the
  path, so it is never in the last segment (a URL with user information and no path,
  such as ``https://user@host``, cannot be told apart and is read as a version);
* ``/data/run@3/ds`` -> no version: ``@`` in a parent directory name is part of the path;
* version names therefore cannot contain ``/``; a trailing ``@`` with nothing after it is
  refused with ``ValueError``.
"""

from __future__ import annotations

import os

#: Schemes whose datasets live on the local filesystem.
LOCAL_SCHEMES = frozenset({"file"})

#: Operations that refuse a version in the path (they act on the whole dataset).
_NO_VERSION_OPS = {
    "empty": "creating an empty dataset",
    "delete": "deleting a dataset",
    "exists": "checking whether a dataset exists",
    "dataset": "creating a dataset",
    "create": "creating a dataset",
    "like": "creating a dataset",
    "rename": "renaming a dataset",
}


def _url_scheme(path: str) -> str | None:
    """The scheme of a ``scheme://...`` URL, or None for a plain path."""
    head, sep, _ = path.partition("://")
    if not sep or not head or not head[0].isalpha() or not head.replace("+", "").isalnum():
        return None
    return head.lower()


def path_scheme(path: str | os.PathLike[str]) -> str:
    """Lowercase URL scheme of ``path``: ``"s3"``, ``"mem"``, ``"hub"``, ...; ``"file"`` for
    plain filesystem paths (``./ds``, ``~/ds``, ``C:\\ds``) and ``file://`` URLs."""
    return _url_scheme(os.fspath(path)) or "file"


def is_local_path(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a directory of the local filesystem."""
    return path_scheme(path) in LOCAL_SCHEMES


def is_hub_path(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a Deep Lake hosted path (``hub://org/dataset``)."""
    return path_scheme(path) == "hub"


def split_version(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """``"ds@branch"`` -> ``("ds", "branch")``; ``"ds"`` -> ``("ds", None)``.

    See the module notes for where an ``@`` counts as a version separator.
    """
    text = os.fspath(path)
    segment_start = text.rfind("/") + 1
    if os.sep != "/" and _url_scheme(text) is None:
        segment_start = max(segment_start, text.rfind(os.sep) + 1)
    at = text.rfind("@", segment_start)
    if at == -1:
        return text, None
    base, version = text[:at], text[at + 1 :]
    if not version:
        raise ValueError(
            f"{text!r} ends with '@' but names no version; write path@<branch or commit id> "
            "or drop the '@'"
        )
    if not base or base.endswith(("/", "://")):
        raise ValueError(f"{text!r} has a version but no dataset path before the '@'")
    return base, version


def check_no_version(path: str | os.PathLike[str], op: str) -> str:
    """Return ``path``; ``ValueError`` if it carries a version, which ``op`` does not take.

    ``op`` is the operation's name (``"empty"``, ``"delete"``, ``"exists"``, ``"dataset"``
    when creating, ...).
    """
    base, version = split_version(path)
    if version is not None:
        what = _NO_VERSION_OPS.get(op, op)
        raise ValueError(
            f"a version cannot be given in the path when {what} ({os.fspath(path)!r}); "
            f"pass {base!r} without '@{version}'"
        )
    return base


def normalize_local(path: str | os.PathLike[str]) -> str:
    """Absolute, normalised filesystem path for local paths (``~`` expanded, ``file://``
    removed); other paths are returned unchanged."""
    text = os.fspath(path)
    if not is_local_path(text):
        return text
    if text.lower().startswith("file://"):
        text = text[len("file://") :]
    return os.path.abspath(os.path.expanduser(text))

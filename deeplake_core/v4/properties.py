"""Dataset-wide settings of the Deep Lake 4 face, outside version control.

``name``, ``description``, ``creds_key`` and ``indexing_mode`` live in one JSON file at
the dataset root (:data:`PROPERTIES_KEY`), written at once when changed and shared by
every version (they describe the dataset, not its contents). ``id`` and
``created_time`` need no file: they are the id and time of the dataset's first version.
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import json
from typing import Any

from deeplake_core.core import manifest as mf
from deeplake_core.exceptions import DatasetCorruptError

PROPERTIES_KEY = "dataset_properties.json"


class IndexingMode(enum.Enum):
    """When the query data of embedding columns (decoded vectors, row norms) is built:
    after every write (``Always``), on the first query that needs it (``Automatic``,
    the default), or never kept between queries (``Off``); see
    :mod:`deeplake_core.v4.indexing`."""

    Always = "always"
    Automatic = "automatic"
    Off = "off"


def read(storage: Any) -> dict[str, Any]:
    try:
        data = storage.get(PROPERTIES_KEY)
    except KeyError:
        return {}
    try:
        out = json.loads(data)
    except ValueError as exc:
        raise DatasetCorruptError(f"{PROPERTIES_KEY!r} is damaged: {exc}") from exc
    if not isinstance(out, dict):
        raise DatasetCorruptError(f"{PROPERTIES_KEY!r} is damaged: not a JSON object")
    return out


def write(storage: Any, **changes: Any) -> None:
    """Merge ``changes`` into the properties file (``None`` removes a key)."""
    props = read(storage)
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    storage.set(PROPERTIES_KEY, json.dumps(props, sort_keys=True).encode())
    storage.flush()


def root_version(storage: Any, version_id: str) -> mf.VersionRecord | None:
    """The first version of the dataset, found by following parents from ``version_id``."""
    seen: set[str] = set()
    rec = None
    vid: str | None = version_id
    while vid and vid not in seen:
        seen.add(vid)
        nxt = mf.read_version(storage, vid)
        if nxt is None:
            break
        rec = nxt
        vid = nxt.parent
    return rec


def created_time(rec: mf.VersionRecord | None) -> datetime.datetime | None:
    if rec is None:
        return None
    with contextlib.suppress(OverflowError, OSError, ValueError):
        return datetime.datetime.fromtimestamp(rec.time, tz=datetime.UTC)
    return None

"""Saved dataset views (``save_view``/``get_view``/``load_view``/``delete_view``).

A saved view is a row selection of one commit, stored inside the dataset::

    .queries/<id>/view.json    {"id", "message", "commit_id", "group", "tensors",
                                "index": {"kind": "range", "start", "stop", "step"}
                                       | {"kind": "rows", "count", "crc32"},
                                "created", "optimized"}
    .queries/<id>/index.bin    (kind "rows") zlib-compressed int64 row deltas
    .queries/<id>/data/        (optimized views) a standalone copy of the view's data

No sample data is copied unless the view is optimized. The commit is immutable, so a
view always shows the rows it was saved with; ``deeplake-core gc`` keeps that commit.
A view saved with ``path=...`` is *external*: a standalone dataset holding a copy of
the view, opened with ``deeplake.load(path)``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.core import manifest as mf
from deeplake_core.core.vc import graph, ops
from deeplake_core.exceptions import DatasetViewSavingError, ReadOnlyModeError

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset
    from deeplake_core.core.state import DatasetState

PREFIX = ".queries/"


def _view_key(view_id: str) -> str:
    return f"{PREFIX}{view_id}/view.json"


def _index_key(view_id: str) -> str:
    return f"{PREFIX}{view_id}/index.bin"


def data_path(state: DatasetState, view_id: str) -> str:
    return f"{state.path.rstrip('/')}/{PREFIX}{view_id}/data"


def _check_id(view_id: Any) -> str:
    if not isinstance(view_id, str):
        raise TypeError(f"a view id is a str, got {type(view_id).__name__}")
    graph.check_branch_name(view_id)
    return view_id


# ------------------------------------------------------------------ index encoding


def _encode_rows(rows: np.ndarray) -> bytes:
    rows = np.asarray(rows, np.int64)
    deltas = np.diff(rows, prepend=np.int64(0)) if len(rows) else rows
    return zlib.compress(deltas.astype("<i8").tobytes(), 6)


def _decode_rows(data: bytes, count: int, crc: int, where: str) -> np.ndarray:
    from deeplake_core.exceptions import DatasetCorruptError

    try:
        dec = zlib.decompressobj()
        # never inflate past the size the record declares (zip bombs)
        raw = dec.decompress(data, 8 * count + 1)
    except zlib.error as exc:
        raise DatasetCorruptError(f"saved view index {where!r} is damaged: {exc}") from exc
    if len(raw) != 8 * count or not dec.eof or zlib.crc32(raw) != crc:
        raise DatasetCorruptError(f"saved view index {where!r} fails its checksum")
    return np.cumsum(np.frombuffer(raw, "<i8")).astype(np.int64)


# ------------------------------------------------------------------ entries


class ViewEntry:
    """A view saved inside a dataset."""

    def __init__(self, state: DatasetState, doc: dict[str, Any]):
        self._state = state
        self._doc = doc

    @property
    def id(self) -> str:
        return self._doc["id"]

    @property
    def message(self) -> str | None:
        return self._doc.get("message")

    @property
    def commit_id(self) -> str:
        return self._doc["commit_id"]

    @property
    def optimized(self) -> bool:
        return bool(self._doc.get("optimized"))

    def _rows(self) -> range | np.ndarray:
        idx = self._doc["index"]
        if idx["kind"] == "range":
            return range(idx["start"], idx["stop"], idx["step"])
        key = _index_key(self.id)
        return _decode_rows(self._state.storage.get(key), idx["count"], idx["crc32"], key)

    def load(self, verbose: bool = True) -> Dataset:
        """The view (read-only)."""
        from deeplake_core.exceptions import CheckoutError, DatasetCorruptError, DatasetHandlerError

        try:
            return self._load()
        except (CheckoutError, DatasetHandlerError, KeyError, IndexError) as exc:
            raise DatasetCorruptError(
                f"saved view {self.id!r} refers to data the dataset does not have ({exc}).",
                action=f"Delete it (ds.delete_view({self.id!r})) and save the view again.",
            ) from exc

    def _load(self) -> Dataset:
        from deeplake_core.core.vc.tags import open_version

        if self.optimized:
            from deeplake_core.api.dataset import load

            return load(data_path(self._state, self.id), read_only=True, check_integrity=False)
        ds = open_version(self._state, self.commit_id)
        if self._doc.get("group"):
            ds = ds[self._doc["group"]]
        if self._doc.get("tensors"):
            ds = ds[list(self._doc["tensors"])]
        rows = self._rows()
        return ds[slice(rows.start, rows.stop, rows.step)] if isinstance(rows, range) else ds[rows]

    def delete(self) -> None:
        """Delete the saved view (and its optimized copy)."""
        delete_view(self._state, self.id)

    def optimize(
        self,
        tensors: list[str] | None = None,
        unlink: bool = True,
        num_workers: int = 0,
        scheduler: str = "threaded",
        progressbar: bool = True,
    ) -> ViewEntry:
        """Copy the view's samples into a compact standalone dataset inside this one,
        which ``load`` then reads (fast streaming)."""
        from deeplake_core.api.dataset import copy_dataset

        st = self._state
        _check_writable(st)
        src = self.load() if not self.optimized else None
        if src is not None:
            copy_dataset(
                src,
                data_path(st, self.id),
                tensors=tensors,
                overwrite=True,
                num_workers=num_workers,
                scheduler=scheduler,
                progressbar=progressbar,
            ).close()
            self._doc["optimized"] = True
            mf.put(st.storage, _view_key(self.id), json.dumps(self._doc, sort_keys=True).encode())
            st.storage.flush()
        return self

    def __repr__(self) -> str:
        return f"ViewEntry(id={self.id!r}, message={self.message!r}, commit={self.commit_id!r})"


def _check_writable(state: DatasetState) -> None:
    if state.read_only:
        raise ReadOnlyModeError(
            "saving or changing views writes to the dataset; open it with read_only=False "
            "(or save the view elsewhere with path=...)"
        )


def parse_record(data: bytes, where: str, view_id: str) -> dict[str, Any]:
    """Decode a ``view.json`` stored under ``view_id``; ``DatasetCorruptError`` if it is
    damaged or hostile (wrong types, or an id other than its own, which could name a
    path outside the dataset)."""
    from deeplake_core.exceptions import DatasetCorruptError

    try:
        doc = json.loads(data)
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        if _check_id(doc.get("id")) != view_id:
            raise ValueError(f"its id {doc.get('id')!r} differs from the view's key")
        _check_types(doc)
    except (ValueError, TypeError, RecursionError) as exc:
        raise DatasetCorruptError(
            f"saved view record {where!r} is damaged: {exc}.",
            action=f"Delete the view (ds.delete_view({view_id!r})) or restore the file.",
        ) from exc
    return doc


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_types(doc: dict[str, Any]) -> None:
    tensors, idx = doc.get("tensors"), doc.get("index")
    fields_ok = (
        isinstance(doc.get("commit_id"), str)
        and isinstance(doc.get("group"), str | None)
        and isinstance(doc.get("message"), str | None)
        and (
            tensors is None
            or (isinstance(tensors, list) and all(isinstance(t, str) for t in tensors))
        )
        and isinstance(doc.get("optimized", False), bool)
        and isinstance(idx, dict)
    )
    if not fields_ok:
        raise ValueError("a field has the wrong type")
    if idx.get("kind") == "range":
        ok = all(_is_int(idx.get(k)) for k in ("start", "stop", "step")) and idx["step"] != 0
    else:
        count = idx.get("count")
        ok = idx.get("kind") == "rows" and _is_int(count) and _is_int(idx.get("crc32"))
        ok = ok and 0 <= count < 1 << 48
    if not ok:
        raise ValueError(f"its row index {idx!r} is malformed")


def read_view(state: DatasetState, view_id: str) -> dict[str, Any] | None:
    key = _view_key(view_id)
    try:
        data = mf.shared(state.storage).get(key)
    except KeyError:
        return None
    return parse_record(data, key, view_id)


def list_views(state: DatasetState) -> list[dict[str, Any]]:
    """Every readable view record (damaged ones are skipped; ``get_view`` reports them)."""
    from deeplake_core.exceptions import DatasetCorruptError

    out = []
    for key in mf.shared(state.storage).list_prefix(PREFIX):
        if key.endswith("/view.json") and key.count("/") == 2:
            with contextlib.suppress(KeyError, DatasetCorruptError):
                data = mf.shared(state.storage).get(key)
                out.append(parse_record(data, key, key.split("/")[1]))
    return sorted(out, key=lambda d: (d.get("created", 0), d["id"]))


# ------------------------------------------------------------------ operations


def save_view(
    view: Dataset,
    message: str | None = None,
    path: str | os.PathLike | None = None,
    id: str | None = None,
    optimize: bool = False,
    tensors: list[str] | None = None,
    ignore_errors: bool = False,
    num_workers: int = 0,
    scheduler: str = "threaded",
    **ds_args: Any,
) -> str:
    st = view._state
    workers = {"num_workers": num_workers, "scheduler": scheduler}
    if id is not None:
        _check_id(id)
    if ops.has_head_changes(st) and not optimize:
        raise DatasetViewSavingError(
            "the dataset has uncommitted changes, so the view's rows could change later; "
            "commit first (ds.commit()) or save with optimize=True"
        )
    commit = ops.commit_id(st)
    if commit is None and not optimize:
        raise DatasetViewSavingError(
            "the dataset has no commit yet; commit first (ds.commit()) so the view refers to "
            "data that cannot change"
        )
    if path is not None:
        from deeplake_core.api.dataset import copy_dataset

        dest = os.fspath(path)
        overwrite = ds_args.get("overwrite", False)
        out = copy_dataset(view, dest, tensors=tensors, overwrite=overwrite, **workers)
        with out:
            out.info.update({"source": st.path, "source_commit": commit, "view_message": message})
        out.close()
        return dest
    _check_writable(st)
    view_id = id or secrets.token_hex(32)
    if read_view(st, view_id) is not None:
        raise DatasetViewSavingError(
            f"a view with id {view_id!r} already exists; delete it or choose another id"
        )
    rows = view._index.rows(len(view) if view._index.base is None else 0)
    doc: dict[str, Any] = {
        "id": view_id,
        "message": message,
        "commit_id": commit,
        "group": view._group or None,
        "tensors": list(view._subset) if view._subset is not None else None,
        "created": time.time(),
        "optimized": False,
    }
    if isinstance(rows, range):
        doc["index"] = {"kind": "range", "start": rows.start, "stop": rows.stop, "step": rows.step}
    else:
        arr = np.asarray(rows, np.int64)
        raw = np.diff(arr, prepend=np.int64(0)).astype("<i8").tobytes() if len(arr) else b""
        doc["index"] = {"kind": "rows", "count": len(arr), "crc32": zlib.crc32(raw)}
        st.storage.set(_index_key(view_id), _encode_rows(arr))
    if commit is None or (optimize and ops.has_head_changes(st)):
        doc["commit_id"] = commit or st.version_id
        doc["optimized"] = True
        from deeplake_core.api.dataset import copy_dataset

        copy_dataset(
            view, data_path(st, view_id), tensors=tensors, overwrite=True, **workers
        ).close()
    mf.put(st.storage, _view_key(view_id), json.dumps(doc, sort_keys=True).encode())
    st.storage.flush()
    entry = ViewEntry(st, doc)
    if optimize and not doc["optimized"]:
        entry.optimize(tensors=tensors, **workers)
    return f"{st.path.rstrip('/')}/{PREFIX}{view_id}"


def get_view(state: DatasetState, view_id: str) -> ViewEntry:
    doc = read_view(state, view_id) if isinstance(view_id, str) else None
    if doc is None:
        raise KeyError(f"no saved view {view_id!r} in this dataset; see ds.get_views()")
    return ViewEntry(state, doc)


def get_views(state: DatasetState, commit_id: str | None = None) -> list[ViewEntry]:
    docs = list_views(state)
    if commit_id is not None:
        with contextlib.suppress(Exception):
            vid, branch = graph.resolve(state.storage, commit_id)
            commit_id = (graph.head_parent(state.storage, vid) or vid) if branch else vid
        docs = [d for d in docs if d.get("commit_id") == commit_id]
    return [ViewEntry(state, d) for d in docs]


def delete_view(state: DatasetState, view_id: str) -> None:
    from deeplake_core.exceptions import DatasetCorruptError

    try:
        found = isinstance(view_id, str) and read_view(state, view_id) is not None
    except DatasetCorruptError:
        found = True  # a damaged record can still be deleted
    if not found:
        raise KeyError(f"no saved view {view_id!r} in this dataset; see ds.get_views()")
    _check_writable(state)
    storage = state.storage
    storage.delete(_view_key(view_id))  # the record first: a half-deleted view is gone
    storage.flush()
    storage.clear(f"{PREFIX}{view_id}/")
    storage.flush()
    with contextlib.suppress(Exception):
        from deeplake_core.api.dataset import delete as delete_dataset

        delete_dataset(data_path(state, view_id), force=True, large_ok=True)


def view_commits(storage: Any) -> set[str]:
    """Commits that saved views refer to (kept alive by garbage collection)."""
    out = set()
    for key in mf.shared(storage).list_prefix(PREFIX):
        if key.endswith("/view.json") and key.count("/") == 2:
            with contextlib.suppress(Exception):
                cid = json.loads(mf.shared(storage).get(key)).get("commit_id")
                if isinstance(cid, str):
                    out.add(cid)
    return out

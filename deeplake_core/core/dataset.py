"""The Deep Lake 3 style ``Dataset``: tensors, groups, views, sample I/O.

A :class:`Dataset` object is a window onto a shared :class:`~deeplake_core.core.state.
DatasetState`: a *group* (a path prefix inside the dataset) and a *row selection*
(:class:`~deeplake_core.core.views.RowIndex`). The root dataset, ``ds["group"]``,
``ds[10:20]`` and ``ds.images`` all share one state, so they all see each write.

Writes outside ``with ds:`` are flushed when each public call returns; inside, once
when the block exits (much faster for many small writes).
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from deeplake_core.core import manifest as mf
from deeplake_core.core.link_creds import LinkCredsMixin
from deeplake_core.core.query_api import QueryMixin
from deeplake_core.core.state import DatasetState
from deeplake_core.core.tensor import Tensor
from deeplake_core.core.vc.mixin import VersionControlMixin
from deeplake_core.core.views import RowIndex, split_lengths
from deeplake_core.exceptions import (
    DatasetHandlerError,
    DatasetTooLargeToDelete,
    InvalidOperationError,
    InvalidTensorGroupNameError,
    InvalidTensorNameError,
    MemoryDatasetCanNotBePickledError,
    RenameError,
    SampleAppendingError,
    SampleExtendError,
    TensorAlreadyExistsError,
    TensorDoesNotExistError,
    TensorGroupAlreadyExistsError,
    TensorGroupDoesNotExistError,
    TensorTooLargeToDelete,
)
from deeplake_core.loaders.mixin import LoaderMixin

logger = logging.getLogger("deeplake")

_ONE_GB = 1 << 30
#: Views longer than this need ``summary(force=True)``.
SUMMARY_LIMIT = 10_000


def _norm_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"tensor and group names are strings, got {type(name).__name__}")
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    for p in parts:
        if p in (".", ".."):
            raise InvalidTensorNameError(name)
    return "/".join(parts)


def _join(group: str, name: str) -> str:
    name = _norm_name(name)
    return f"{group}/{name}" if group and name else (group or name)


class Dataset(VersionControlMixin, QueryMixin, LoaderMixin, LinkCredsMixin):
    """A dataset, a group inside one, or a view of either (Deep Lake 3 API)."""

    def __init__(
        self,
        state: DatasetState,
        group: str = "",
        index: RowIndex | None = None,
        tensor_subset: tuple[str, ...] | None = None,
        pad_tensors: bool = False,
        view_flags: tuple[bool, bool] = (False, False),
    ):
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_group", group)
        object.__setattr__(self, "_index", index or RowIndex())
        object.__setattr__(self, "_subset", tensor_subset)
        object.__setattr__(self, "_pad", pad_tensors)
        # (is_view set explicitly, is min_view)
        object.__setattr__(self, "_view_flags", view_flags)

    # ---------------------------------------------------------------- names & lookups
    @property
    def path(self) -> str:
        return self._state.path

    @property
    def storage(self) -> Any:
        return self._state.storage

    @property
    def group_index(self) -> str:
        """This group's path inside the dataset (``""`` at the root)."""
        return self._group

    def _abs(self, name: str) -> str:
        return _join(self._group, name)

    def _rel(self, key: str) -> str:
        return key[len(self._group) + 1 :] if self._group else key

    def _tensor_keys(self, include_hidden: bool = False, companions: bool = True) -> list[str]:
        """Full keys of the tensors under this group (and its subgroups).

        ``companions=False`` leaves out the hidden companion tensors (ids, shapes,
        sample info) that follow their tensor's writes on their own.
        """
        prefix = f"{self._group}/" if self._group else ""
        tensors = self._state.manifest.tensors
        skip = set() if companions else {k for e in tensors.values() for k in e.companions.values()}
        out = []
        for key, entry in tensors.items():
            if not key.startswith(prefix) or key in skip:
                continue
            if entry.hidden and not include_hidden:
                continue
            if self._subset is not None and self._rel(key) not in self._subset:
                continue
            out.append(key)
        return out

    def _has_tensor(self, key: str) -> bool:
        return key in self._state.manifest.tensors

    def _has_group(self, key: str) -> bool:
        return key in self._state.manifest.groups

    def _tensor(self, key: str) -> Tensor:
        return Tensor(self._state, key, self._index, self)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            key = self._abs(item)
            if self._has_tensor(key):
                return self._tensor(key)
            if self._has_group(key):
                return Dataset(self._state, key, self._index, None, self._pad, self._view_flags)
            raise TensorDoesNotExistError(item)
        if isinstance(item, list | tuple) and item and all(isinstance(x, str) for x in item):
            names = []
            for name in item:
                key = self._abs(name)
                if self._has_tensor(key):
                    names.append(self._rel(key))
                elif self._has_group(key):
                    names.extend(
                        self._rel(k) for k in self._tensor_keys(True) if k.startswith(key + "/")
                    )
                else:
                    raise TensorDoesNotExistError(name)
            return Dataset(
                self._state, self._group, self._index, tuple(names), self._pad, (True, False)
            )
        if isinstance(item, tuple) and len(item) > 1:
            raise TypeError(
                "a dataset is indexed by rows only; index a tensor for in-sample axes "
                "(ds.images[0, 5:10])"
            )
        index = self._index.compose(item, len(self))
        return Dataset(self._state, self._group, index, self._subset, self._pad, (True, False))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            state = object.__getattribute__(self, "_state")
        except AttributeError:
            raise AttributeError(name) from None
        key = self._abs(name) if "/" not in name else None
        if key is not None and (key in state.manifest.tensors or key in state.manifest.groups):
            return self[name]
        raise AttributeError(
            f"'Dataset' object has no attribute {name!r} (and there is no tensor or group "
            f"of that name)"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or hasattr(type(self), name):
            if name == "info":
                self.info.replace_with(value)
                return
            if name == "allow_delete":
                type(self).allow_delete.fset(self, value)  # type: ignore[attr-defined]
                return
            object.__setattr__(self, name, value)
            return
        if self._has_tensor(self._abs(name)):
            self[name][:] = value  # ds.labels = [...] updates the tensor
            return
        raise AttributeError(
            f"cannot set {name!r} on a dataset; create a tensor with create_tensor"
        )

    def __setitem__(self, item: str, value: Any) -> None:
        if not isinstance(item, str):
            raise TypeError("assign to a tensor: ds['name'][index] = value")
        self[item][:] = value

    def __contains__(self, name: str) -> bool:
        key = self._abs(name)
        return self._has_tensor(key) or self._has_group(key)

    def __iter__(self) -> Iterator[Dataset]:
        for i in range(len(self)):
            yield self[i]

    # -------------------------------------------------------------------- lengths
    def _lengths(self) -> dict[str, int]:
        return {k: self._state.column(k).length() for k in self._tensor_keys()}

    def __len__(self) -> int:
        idx = self._index
        if idx.base is not None:
            return len(idx.base)
        lengths = self._lengths().values()
        if not lengths:
            return 0
        return max(lengths) if self._pad else min(lengths)

    @property
    def num_samples(self) -> int:
        """Length of the shortest tensor, ignoring any view."""
        lengths = self._lengths().values()
        return min(lengths) if lengths else 0

    @property
    def max_len(self) -> int:
        if self._index.base is not None:
            return len(self._index.base)
        lengths = self._lengths().values()
        return max(lengths) if lengths else 0

    @property
    def min_len(self) -> int:
        if self._index.base is not None:
            return len(self._index.base)
        lengths = self._lengths().values()
        return min(lengths) if lengths else 0

    @property
    def min_view(self) -> Dataset:
        """A view where every tensor is cut to the shortest tensor's length."""
        n = self.min_len
        return Dataset(
            self._state,
            self._group,
            self._index.compose(slice(0, n), n),
            self._subset,
            False,
            (True, True),
        )

    @property
    def max_view(self) -> Dataset:
        """A view where shorter tensors read as ``None`` up to the longest length."""
        return Dataset(self._state, self._group, self._index, self._subset, True, (True, False))

    # -------------------------------------------------------------------- views
    @property
    def is_view(self) -> bool:
        return self._index.base is not None or self._view_flags[0]

    @property
    def index(self) -> RowIndex:
        return self._index

    @property
    def sample_indices(self) -> Iterator[int]:
        """The dataset rows this view points at."""
        rows = self._index.rows(len(self) if self._index.base is None else 0)
        return (int(i) for i in rows)

    @property
    def no_view_dataset(self) -> Dataset:
        return Dataset(self._state, self._group)

    @property
    def parent(self) -> Dataset | None:
        if not self._group:
            return None
        return Dataset(self._state, posixpath.dirname(self._group), self._index, None, self._pad)

    @property
    def root(self) -> Dataset:
        return Dataset(self._state, "", self._index, None, self._pad)

    # -------------------------------------------------------------------- properties
    @property
    def read_only(self) -> bool:
        return self._state.read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        from deeplake_core.api.dataset import set_read_only

        set_read_only(self._state, bool(value))

    @property
    def tensors(self) -> dict[str, Tensor]:
        """Visible tensors of this group and its subgroups, by relative name."""
        return {self._rel(k): self._tensor(k) for k in self._tensor_keys()}

    @property
    def _all_tensors(self) -> dict[str, Tensor]:
        return {self._rel(k): self._tensor(k) for k in self._tensor_keys(True)}

    @property
    def groups(self) -> dict[str, Dataset]:
        """Immediate subgroups of this group."""
        prefix = f"{self._group}/" if self._group else ""
        out = {}
        for g in self._state.manifest.groups:
            if g.startswith(prefix) and "/" not in g[len(prefix) :]:
                out[g[len(prefix) :]] = Dataset(self._state, g, self._index, None, self._pad)
        return out

    @property
    def info(self) -> Any:
        from deeplake_core.core.columns import make_info

        if self._group:
            data = self._state.manifest.groups[self._group].info
        else:
            data = self._state.manifest.info
        return make_info(self._state, data)

    @info.setter
    def info(self, value: dict) -> None:
        self.info.replace_with(value)

    @property
    def meta(self) -> dict[str, Any]:
        """The dataset's metadata record (format, tensors, groups), as stored."""
        man = self._state.manifest
        return {
            "format_version": man.format_version,
            "tensors": [self._rel(k) for k in self._tensor_keys(True)],
            "hidden_tensors": [
                self._rel(k) for k in self._tensor_keys(True) if man.tensors[k].hidden
            ],
            "groups": sorted(self._rel(g) for g in man.groups if g.startswith(self._group)),
            "version": self._state.version_id,
            "branch": self._state.branch,
        }

    @property
    def branch(self) -> str | None:
        return self._state.branch

    @property
    def version_id(self) -> str:
        return self._state.version_id

    @property
    def allow_delete(self) -> bool:
        return self._state.manifest.allow_delete

    @allow_delete.setter
    def allow_delete(self, value: bool) -> None:
        with self._state.write():
            self._state.manifest.allow_delete = bool(value)
            self._state.mark_meta()

    # -------------------------------------------------------------------- context
    def __enter__(self) -> Dataset:
        self._state.with_depth += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        st = self._state
        st.with_depth -= 1
        if st.with_depth == 0 and not st.read_only:
            st.flush()

    def flush(self) -> None:
        """Write every pending change to storage (crash-safe: data, then index, then
        the manifest)."""
        self._state.flush()

    def clear_cache(self) -> None:
        """Flush, then empty the cache layers (the underlying storage is untouched) and
        the process's pool of idle chunk buffers."""
        from deeplake_core.core.engine import buffers

        self.flush()
        clear = getattr(self._state.storage, "clear_cache", None)
        if clear is not None:
            clear()
        buffers.clear()

    def close(self) -> None:
        """Flush and release the writer lock."""
        self._state.close()

    # -------------------------------------------------------------------- groups
    def _check_name_free(self, key: str, for_group: bool) -> None:
        last = key.split("/")[-1]
        bad = last if _reserved(last) else _unusable(key)
        if bad is not None:
            raise (InvalidTensorGroupNameError if for_group else InvalidTensorNameError)(bad)
        if self._has_tensor(key):
            raise TensorAlreadyExistsError(key)
        if self._has_group(key):
            raise TensorGroupAlreadyExistsError(key)
        # no tensor may sit where an intermediate group would go
        parts = key.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if self._has_tensor(parent):
                raise TensorAlreadyExistsError(parent)

    def _ensure_groups(self, key: str) -> None:
        parts = key.split("/")
        for i in range(1, len(parts) + 1):
            g = "/".join(parts[:i])
            if g not in self._state.manifest.groups:
                self._state.manifest.groups[g] = mf.GroupEntry()

    def create_group(self, name: str, exist_ok: bool = False) -> Dataset:
        """Create a group (and any missing intermediate groups); return it."""
        self._check_not_view("create_group")
        key = self._abs(name)
        if not key:
            raise InvalidTensorGroupNameError(name)
        if self._has_group(key):
            if exist_ok:
                return self[name]
            raise TensorGroupAlreadyExistsError(key)
        with self._state.write():
            self._check_name_free(key, for_group=True)
            self._ensure_groups(key)
            self._state.mark_meta()
        return Dataset(self._state, key)

    create_groups = create_group

    def delete_group(self, name: str, large_ok: bool = False) -> None:
        """Delete a group with every tensor and subgroup in it."""
        self._check_not_view("delete_group")
        key = self._abs(name)
        if not self._has_group(key):
            raise TensorGroupDoesNotExistError(name)
        keys = [k for k in self._state.manifest.tensors if k.startswith(key + "/")]
        if not large_ok:
            size = sum(self._tensor_nbytes(k) for k in keys)
            if size > _ONE_GB:
                raise TensorTooLargeToDelete(name)
        with self._state.write():
            for k in keys:
                self._drop_tensor(k)
            for g in [
                g for g in self._state.manifest.groups if g == key or g.startswith(key + "/")
            ]:
                del self._state.manifest.groups[g]
            self._state.mark_meta()

    def rename_group(self, name: str, new_name: str) -> None:
        """Rename a group; only its last path component may change."""
        self._check_not_view("rename_group")
        key, new_key = self._abs(name), self._abs(new_name)
        if not self._has_group(key):
            raise TensorGroupDoesNotExistError(name)
        self._check_rename_target(
            key,
            new_key,
            f"cannot rename group {name!r} to {new_name!r}: only the last part of the "
            "name may change; move it by creating a new group instead",
            InvalidTensorGroupNameError(new_name),
        )
        man = self._state.manifest
        with self._state.write():

            def moved(k: str) -> str:
                return new_key + k[len(key) :] if k.startswith(key + "/") else k

            man.tensors = {moved(k): v for k, v in man.tensors.items()}
            for v in man.tensors.values():
                v.companions = {r: moved(k) for r, k in v.companions.items()}
            man.groups = {
                (new_key + g[len(key) :] if g == key or g.startswith(key + "/") else g): v
                for g, v in man.groups.items()
            }
            self._state.mark_meta()

    # -------------------------------------------------------------------- tensors
    def _check_not_view(self, what: str) -> None:
        if self.is_view:
            raise InvalidOperationError(what, "a dataset view")

    def _check_rename_target(
        self, key: str, new_key: str, moved_message: str, invalid_name: Exception
    ) -> None:
        """Checks shared by tensor and group renames: ``new_key`` stays in the same
        group (else ``RenameError(moved_message)``), has a valid last part (else
        ``invalid_name`` is raised) and names no tensor or group yet."""
        if posixpath.dirname(key) != posixpath.dirname(new_key):
            raise RenameError(moved_message)
        if _reserved(new_key.split("/")[-1]) or _unusable(new_key) is not None:
            raise invalid_name
        if self._has_tensor(new_key):
            raise TensorAlreadyExistsError(new_key)
        if self._has_group(new_key):
            raise TensorGroupAlreadyExistsError(new_key)

    def create_tensor(
        self,
        name: str,
        htype: str = "unspecified",
        dtype: Any = "unspecified",
        sample_compression: str | None = "unspecified",
        chunk_compression: str | None = "unspecified",
        hidden: bool = False,
        create_sample_info_tensor: bool = True,
        create_shape_tensor: bool = True,
        create_id_tensor: bool = True,
        verify: bool = True,
        exist_ok: bool = False,
        verbose: bool = True,
        downsampling: tuple[int, int] | None = None,
        tiling_threshold: int | None = None,
        **kwargs: Any,
    ) -> Tensor:
        """Create a tensor; htype defaults can be overridden by arguments and kwargs."""
        from deeplake_core.core import columns

        self._check_not_view("create_tensor")
        self._state.check_writable()
        key = self._abs(name)
        if not key:
            raise InvalidTensorNameError(name)
        if self._has_tensor(key):
            if exist_ok:
                return self._tensor(key)
            raise TensorAlreadyExistsError(key)
        last = key.split("/")[-1]
        if _reserved(last):
            raise InvalidTensorNameError(last)
        self._check_name_free(key, for_group=False)
        entry = columns.new_entry(
            htype=htype,
            dtype=dtype,
            sample_compression=sample_compression,
            chunk_compression=chunk_compression,
            hidden=hidden,
            create_sample_info_tensor=create_sample_info_tensor,
            create_shape_tensor=create_shape_tensor,
            create_id_tensor=create_id_tensor,
            verify=verify,
            downsampling=downsampling,
            tiling_threshold=tiling_threshold,
            verbose=verbose,
            **kwargs,
        )
        companions = columns.companion_entries(entry, key)
        for ckey in companions:
            if self._has_tensor(ckey) or self._has_group(ckey):
                raise TensorAlreadyExistsError(ckey)
        with self._state.write():
            if "/" in key:
                self._ensure_groups(posixpath.dirname(key))
            self._state.manifest.tensors[key] = entry
            self._state.manifest.tensors.update(companions)
            self._state.mark_meta()
        return self._tensor(key)

    def create_tensor_like(self, name: str, source: Tensor, unlink: bool = False) -> Tensor:
        """Create a tensor with ``source``'s htype, settings and info (no samples)."""
        from deeplake_core.core import columns

        src_entry = source._entry
        args = columns.like_args(src_entry, unlink=unlink)
        t = self.create_tensor(name, **args)
        if src_entry.info:
            with self._state.write():
                self._state.manifest.tensors[t.key].info = dict(src_entry.info)
                self._state.mark_meta()
        return t

    def _tensor_nbytes(self, key: str) -> int:
        from deeplake_core.core.columns import stored_nbytes

        try:
            return stored_nbytes(self._state.column(key))
        except Exception:  # a tensor whose plugin is missing counts as empty
            return 0

    def _drop_tensor(self, key: str) -> None:
        entry = self._state.manifest.tensors.pop(key, None)
        if entry is None:  # a companion already dropped with its tensor
            return
        for comp in entry.companions.values():
            self._state.manifest.tensors.pop(comp, None)
        self._state.drop_column(entry.tensor_id)

    def delete_tensor(self, name: str, large_ok: bool = False) -> None:
        """Remove a tensor from the dataset (its chunks become garbage)."""
        self._check_not_view("delete_tensor")
        key = self._abs(name)
        if not self._has_tensor(key):
            raise TensorDoesNotExistError(name)
        if not large_ok and self._tensor_nbytes(key) > _ONE_GB:
            raise TensorTooLargeToDelete(name)
        with self._state.write():
            self._drop_tensor(key)
            self._state.mark_meta()

    def rename_tensor(self, name: str, new_name: str) -> Tensor:
        """Rename a tensor; it must stay in the same group."""
        self._check_not_view("rename_tensor")
        key, new_key = self._abs(name), self._abs(new_name)
        if not self._has_tensor(key):
            raise TensorDoesNotExistError(name)
        self._check_rename_target(
            key,
            new_key,
            f"cannot rename tensor {name!r} to {new_name!r}: it would move to another "
            "group; only the last part of the name may change",
            InvalidTensorNameError(new_name),
        )
        from deeplake_core.core.columns import companion_key

        man = self._state.manifest
        entry = man.tensors[key]
        renames = {key: new_key}
        for role, ckey in entry.companions.items():
            renames[ckey] = companion_key(new_key, role)
        for old, new in renames.items():
            if old != key and new in man.tensors:
                raise TensorAlreadyExistsError(new)
        with self._state.write():
            man.tensors = {renames.get(k, k): v for k, v in man.tensors.items()}
            entry.companions = {r: renames.get(k, k) for r, k in entry.companions.items()}
            self._state.mark_meta()
        return self._tensor(new_key)

    # -------------------------------------------------------------------- sample I/O
    def _resolve_sample_keys(
        self, sample: Any, skip_ok: bool, append_empty: bool, what: str
    ) -> tuple[dict[str, Any], list[str]]:
        """Map the user's dict onto full tensor keys; list the tensors to pad."""
        if not isinstance(sample, dict):
            if what == "append":
                raise SampleAppendingError()
            raise SampleExtendError(
                "extend() takes a dict of tensor name -> samples; to add to one tensor, "
                "use ds.<tensor>.extend(...)"
            )
        given: dict[str, Any] = {}
        for name, value in sample.items():
            key = self._abs(name)
            if not self._has_tensor(key):
                raise TensorDoesNotExistError(name)
            given[key] = value
        rest = [k for k in self._tensor_keys() if k not in given]
        if rest and not append_empty and not skip_ok:
            raise KeyError(
                f"tensors {sorted(self._rel(k) for k in rest)} are missing from the sample; "
                "pass skip_ok=True to leave them as they are or append_empty=True to pad them"
            )
        return given, (rest if append_empty else [])

    def append(
        self, sample: dict[str, Any], skip_ok: bool = False, append_empty: bool = False
    ) -> None:
        """Append one row: ``{tensor name: sample}``."""
        if not isinstance(sample, dict):
            raise SampleAppendingError()
        self._add_rows({k: [v] for k, v in sample.items()}, skip_ok, append_empty, False, "append")

    def extend(
        self,
        samples: dict[str, Any],
        skip_ok: bool = False,
        append_empty: bool = False,
        ignore_errors: bool = False,
        progressbar: bool = False,
    ) -> None:
        """Append many rows: ``{tensor name: sequence of samples}``."""
        if not isinstance(samples, dict):
            raise SampleExtendError(
                "extend() takes a dict of tensor name -> samples; to add to one tensor, "
                "use ds.<tensor>.extend(...)"
            )
        self._add_rows(samples, skip_ok, append_empty, ignore_errors, "extend")

    def _add_rows(
        self,
        samples: dict[str, Any],
        skip_ok: bool,
        append_empty: bool,
        ignore_errors: bool,
        what: str,
    ) -> None:
        from deeplake_core.core import columns

        self._check_not_view(what)
        self._state.check_writable()
        given, pad = self._resolve_sample_keys(samples, skip_ok, append_empty, what)
        if not given and not pad:
            return
        st = self._state
        cols = {k: st.column(k) for k in given}
        lengths = {k: c.length() for k, c in cols.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(
                f"{what} needs the tensors it writes to have equal lengths, got "
                f"{ {self._rel(k): n for k, n in lengths.items()} }; use ds.<tensor>.{what} "
                "to write tensors separately"
            )
        counts = {}
        for k, v in given.items():
            try:
                counts[k] = len(v)
            except TypeError:
                raise ValueError(
                    f"samples for tensor {self._rel(k)!r} must be a sequence"
                ) from None
        if len(set(counts.values())) > 1:
            raise ValueError(
                f"every tensor needs the same number of samples, got "
                f"{ {self._rel(k): n for k, n in counts.items()} }"
            )
        n = next(iter(counts.values())) if counts else 1
        # 1. convert everything before writing anything
        prepared: dict[str, Any] = {}
        bad_rows: set[int] = set()
        for k, v in given.items():
            col = cols[k]
            try:
                prepared[k] = columns.prepare(col, v)
            except Exception as exc:
                if not ignore_errors:
                    raise _wrap_sample_error(exc, self._rel(k), what) from exc
                bad = columns.find_bad_rows(col, v)
                bad_rows.update(bad)
        if bad_rows:
            keep = [i for i in range(n) if i not in bad_rows]
            logger.warning("extend: skipped %d sample(s) that could not be added", len(bad_rows))
            prepared = {k: columns.prepare(cols[k], _take(v, keep)) for k, v in given.items()}
            n = len(keep)
        # 2. write, rolling back on failure
        with st.write():
            before = {k: st.column(k).length() for k in [*given, *pad]}
            try:
                for k, batch in prepared.items():
                    columns.write(cols[k], batch)
                for k in pad:
                    columns.pad_to(st.column(k), before[k] + n)
            except BaseException as exc:
                self._rollback(before)
                if isinstance(exc, Exception) and not isinstance(
                    exc, SampleExtendError | KeyboardInterrupt
                ):
                    raise _wrap_sample_error(exc, "", what) from exc
                raise

    def _rollback(self, before: dict[str, int]) -> None:
        from deeplake_core.core import columns

        for k, n in before.items():
            columns.truncate(self._state.column(k), n)

    def update(self, sample: dict[str, Any]) -> None:
        """Overwrite the rows of this view: ``ds[0].update({"labels": 1})``."""
        if not isinstance(sample, dict):
            raise TypeError("update() takes a dict of tensor name -> new values")
        if self._index.sub:
            raise ValueError("a partial update of a sample is not supported; update whole samples")
        tensors = {}
        for name in sample:
            key = self._abs(name)
            if not self._has_tensor(key):
                raise TensorDoesNotExistError(name)
            tensors[name] = self._tensor(key)
        st = self._state
        with st.write():
            saved = {}
            try:
                for name, t in tensors.items():
                    saved[name] = t._snapshot()
                    t._set(None, sample[name])
            except BaseException:
                for name, snap in saved.items():
                    tensors[name]._restore(snap)
                raise

    def pop(self, index: int | None = None) -> None:
        """Remove row ``index`` (default: the last row of the longest tensor) from every
        tensor long enough to have it."""
        self._check_not_view("pop")
        if isinstance(index, list | tuple):
            if len(set(index)) != len(index):
                raise ValueError(f"duplicate indices in {index}")
            for i in sorted(index, reverse=True):
                self.pop(i)
            return
        max_len = self.max_len
        if index is None:
            index = max_len - 1
        if index < 0:
            index += max_len
        if not 0 <= index < max_len:
            raise IndexError(f"index {index} is out of range for a dataset of length {max_len}")
        from deeplake_core.core import columns

        st = self._state
        with st.write():
            for k in self._tensor_keys(include_hidden=True, companions=False):
                col = st.column(k)
                if col.length() > index:
                    columns.pop(col, [index])

    # -------------------------------------------------------------------- maintenance
    def summary(self, force: bool = False) -> None:
        """Print a table of the tensors (name, htype, shape, dtype, compression)."""
        if self.is_view and len(self) > SUMMARY_LIMIT and not force:
            raise ValueError(
                f"this view has {len(self)} samples; summarising it may take a while — "
                "call summary(force=True)"
            )
        print(self._summary_text())

    def _summary_text(self) -> str:
        from deeplake_core.core.tensor import summary_table

        return summary_table(repr(self), self.tensors)

    def size_approx(self) -> int:
        """Bytes of stored sample data (content only; an under-estimate)."""
        total = 0
        for k in self._tensor_keys(True, companions=False):
            total += self._tensor_nbytes(k)
        return total

    def rechunk(
        self,
        tensors: str | list[str] | None = None,
        num_workers: int = 0,
        scheduler: str = "threaded",
        progressbar: bool = True,
    ) -> None:
        """Rewrite tensors' chunks at their target size (after many updates)."""
        if isinstance(tensors, str):
            tensors = [tensors]
        keys = [self._abs(t) for t in tensors] if tensors else self._tensor_keys(True)
        st = self._state
        with st.write():
            for k in keys:
                if not self._has_tensor(k):
                    raise TensorDoesNotExistError(self._rel(k))
                col = st.column(k)
                rechunk = getattr(col.engine, "rechunk", None)
                if rechunk is not None:
                    rechunk()
                    st.mark_data(col.tensor_id)

    def check_integrity(self) -> None:
        """Verify that every tensor's index and chunks are consistent; raise
        ``DatasetCorruptError`` naming the first problem found."""
        from deeplake_core.core import columns

        for k in self._tensor_keys(True):
            columns.check_integrity(self._state.column(k), k)

    def delete(self, large_ok: bool = False) -> None:
        """Delete the whole dataset from storage. Irreversible."""
        from deeplake_core.api.dataset import delete_state

        if not self._state.manifest.allow_delete:
            raise DatasetHandlerError(
                f"the dataset at {self.path!r} has allow_delete=False; set "
                "ds.allow_delete = True first"
            )
        if not large_ok and self.size_approx() > _ONE_GB:
            raise DatasetTooLargeToDelete(self.path)
        delete_state(self._state)

    def rename(self, path: Any) -> None:
        """Rename the dataset; only the last path component may change."""
        from deeplake_core.api.dataset import rename_state

        rename_state(self._state, path)

    def copy(
        self,
        dest: Any,
        runtime: dict | None = None,
        tensors: list[str] | None = None,
        overwrite: bool = False,
        creds: dict | None = None,
        token: str | None = None,
        num_workers: int = 0,
        scheduler: str = "threaded",
        progressbar: bool = True,
        public: bool = False,
    ) -> Dataset:
        """Copy this dataset or view (without history) to ``dest``; a view's samples are
        copied by ``num_workers`` workers of ``scheduler`` when ``num_workers > 0``."""
        from deeplake_core.api.dataset import copy_dataset

        return copy_dataset(
            self,
            dest,
            tensors=tensors,
            overwrite=overwrite,
            dest_creds=creds,
            num_workers=num_workers,
            scheduler=scheduler,
            progressbar=progressbar,
        )

    def random_split(self, lengths: Sequence[int | float]) -> tuple[Dataset, ...]:
        """Split into non-overlapping random views of the given lengths or fractions."""
        from deeplake_core.core.seed import DeeplakeRandom

        lens = self._lengths()
        if self._index.base is None and len(set(lens.values())) > 1:
            raise ValueError(
                "random_split needs tensors of equal length; use ds.min_view.random_split(...)"
            )
        n = len(self)
        sizes = split_lengths(lengths, n)
        perm = DeeplakeRandom().rng().permutation(n)
        out = []
        start = 0
        for size in sizes:
            idx = self._index.compose(perm[start : start + size], n)
            out.append(
                Dataset(self._state, self._group, idx, self._subset, self._pad, (True, False))
            )
            start += size
        return tuple(out)

    def connect(
        self,
        creds_key: str,
        dest_path: str | None = None,
        org_id: str | None = None,
        ds_name: str | None = None,
        token: str | None = None,
    ) -> None:
        """Connecting to Activeloop's hosted platform; see ``deeplake.connect`` (raises:
        deeplake-core has no hosted service)."""
        from deeplake_core.api.dataset import connect

        connect(self.path, creds_key, dest_path, org_id, ds_name, token)

    def visualize(self, width: int | str | None = None, height: int | str | None = None) -> None:
        """The reference's Jupyter visualizer is a hosted web app; not available."""
        from deeplake_core.exceptions import ModuleNotInstalledException

        raise ModuleNotInstalledException(
            "visualize() opens Activeloop's hosted visualizer, which deeplake-core does not "
            "ship; read samples with ds.<tensor>.numpy() and plot them (e.g. matplotlib)"
        )

    @property
    def token(self) -> str | None:
        """The access token given with :meth:`set_token` (kept in memory only)."""
        return self._state.settings.get("token")

    def set_token(self, new_token: str) -> None:
        """Remember an access token for this open dataset (never written to storage)."""
        self._state.settings["token"] = new_token

    @property
    def client(self) -> None:
        """The hosted-platform client; ``None`` (deeplake-core talks to no service)."""
        return None

    # -------------------------------------------------------------------- pickling
    def __getstate__(self) -> dict[str, Any]:
        st = self._state
        if st.path.startswith("mem://"):
            raise MemoryDatasetCanNotBePickledError()
        if not st.read_only:
            st.flush()
        return {
            "path": st.path,
            "version": st.version_id,
            "branch": st.branch,
            "read_only": st.read_only,
            "group": self._group,
            "index": self._index,
            "subset": self._subset,
            "pad": self._pad,
            "view_flags": self._view_flags,
            "settings": {k: v for k, v in st.settings.items() if k not in ("creds", "token")},
        }

    def __setstate__(self, d: dict[str, Any]) -> None:
        from deeplake_core.api.dataset import open_state

        settings = d["settings"]
        # An unpickled copy (a loader worker, say) reads: the writer lock stays with the
        # process that holds it, and no credentials were pickled.
        state = open_state(
            d["path"],
            read_only=True,
            branch=d["branch"],
            version_id=d["version"],
            memory_cache_size=settings.get("memory_cache_size", 2000),
            local_cache_size=settings.get("local_cache_size", 0),
            lock_enabled=False,
        )
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_group", d["group"])
        object.__setattr__(self, "_index", d["index"])
        object.__setattr__(self, "_subset", d["subset"])
        object.__setattr__(self, "_pad", d["pad"])
        object.__setattr__(self, "_view_flags", d["view_flags"])

    # -------------------------------------------------------------------- misc
    def __repr__(self) -> str:
        parts = [f"path={self.path!r}"]
        if self.read_only:
            parts.append("read_only=True")
        if self._group:
            parts.append(f"group={self._group!r}")
        if self.is_view and self._index.base is not None:
            parts.append(f"index={self._index.base!r}")
        parts.append(f"tensors={sorted(self._rel(k) for k in self._tensor_keys())}")
        return f"Dataset({', '.join(parts)})"

    __str__ = __repr__

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        names.update(self._rel(k).split("/")[0] for k in self._tensor_keys())
        return sorted(names)


#: Longest part of a tensor or group name, in characters.
MAX_NAME_PART = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _unusable(key: str) -> str | None:
    """The first part of ``key`` that cannot be a tensor or group name (NUL or other
    control characters, longer than :data:`MAX_NAME_PART`), else None."""
    for part in key.split("/"):
        if _CONTROL.search(part) or len(part) > MAX_NAME_PART:
            return part
    return None


def _reserved(name: str) -> bool:
    """Whether ``name`` cannot be a tensor or group name (it is a Dataset attribute
    that a tensor may not shadow)."""
    return hasattr(Dataset, name) and name not in VersionControlMixin.SHADOWABLE


def _take(v: Any, keep: list[int]) -> Any:
    if isinstance(v, np.ndarray):
        return v[keep]
    return [v[i] for i in keep]


def _wrap_sample_error(exc: Exception, tensor: str, what: str) -> Exception:
    """Keep documented errors as they are; wrap others in ``SampleExtendError`` for
    ``extend`` (with the tensor named)."""
    from deeplake_core.exceptions import DeepLakeCoreError

    if isinstance(exc, DeepLakeCoreError | KeyError | ValueError | TypeError) or what != "extend":
        return exc
    where = f" for tensor {tensor!r}" if tensor else ""
    return SampleExtendError(f"extend failed{where}: {exc}")

"""The dataset's metadata files: format marker, branch refs, version records, manifests.

Layout (format version 1, see ``docs/format.md``)::

    deeplake_core.json                     format marker, written last at creation
    refs/branches/<branch>.json            {"head": <version_id>}
    versions/<version_id>/version.json     parent, branch, committed, message, time
    versions/<version_id>/manifest.json    tensors, groups, info (the commit point)
    versions/<version_id>/manifest.prev.json   the previous good manifest (for reset)
    versions/<version_id>/index/<tensor_id>-<seq>.idx   engine index files
    tensors/<tensor_id>/chunks/<chunk_id>  immutable chunks (engine)

Every file here is JSON; nothing is pickled. A manifest carries a CRC-32 of its body
so that a torn or damaged file is detected instead of being read as wrong data.

Branch refs, version records and manifests can be changed by another writer (another
handle, another process) at any time, so they are never served from a cache layer:
they are read from, and written through to, the provider beneath every cache
(:func:`shared`, :func:`put`). Only immutable files (index files, chunks) are cached.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
import zlib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from deeplake_core.exceptions import DatasetCorruptError, DatasetFormatError

FORMAT_NAME = "deeplake-core"
#: On-disk format version written by this release. A dataset whose marker carries a
#: newer major version is refused with :class:`DatasetFormatError`.
FORMAT_VERSION = 1
MARKER_KEY = "deeplake_core.json"
DEFAULT_BRANCH = "main"
#: Key of the writer lock records (``dataset_lock.<generation>``, see storage.lock).
LOCK_KEY = "dataset_lock"


def branch_key(branch: str) -> str:
    return f"refs/branches/{branch}.json"


def tag_key(name: str) -> str:
    return f"refs/tags/{name}.json"


def lock_key(branch: str | None) -> str:
    """Writer-lock key of ``branch``: the default branch keeps ``dataset_lock``, every
    other branch has its own (``dataset_lock-<branch>``), so writers on different
    branches do not exclude each other."""
    if branch is None or branch == DEFAULT_BRANCH:
        return LOCK_KEY
    return f"{LOCK_KEY}-{branch}"


def version_key(version_id: str) -> str:
    return f"versions/{version_id}/version.json"


def manifest_key(version_id: str) -> str:
    return f"versions/{version_id}/manifest.json"


def prev_manifest_key(version_id: str) -> str:
    return f"versions/{version_id}/manifest.prev.json"


def index_key(version_id: str, tensor_id: str, seq: int) -> str:
    return f"versions/{version_id}/index/{tensor_id}-{seq}.idx"


def index_prefix(version_id: str) -> str:
    return f"versions/{version_id}/index/"


def tensor_prefix(tensor_id: str) -> str:
    return f"tensors/{tensor_id}/"


def new_id(nbytes: int = 20) -> str:
    """A random hex id (40 hex digits by default, like a commit id)."""
    return secrets.token_hex(nbytes)


# -- models --------------------------------------------------------------------------

#: Ids that become parts of storage keys: a damaged or hostile file can never make a
#: key leave its directory (``..``, ``/``) or the dataset root.
VersionId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8,64}$")]
BranchName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
TensorId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")]
#: Seconds since the epoch that ``datetime`` can represent (up to the year 9999).
Timestamp = Annotated[float, Field(ge=0, le=253402300799, allow_inf_nan=False)]
_VERSION_ID = re.compile(r"^[0-9a-f]{8,64}$")
#: Exceptions ``json.loads`` and model validation raise on damaged or hostile input.
_DECODE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, RecursionError)


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Requirement(_Model):
    """A plugin-provided name a tensor needs (an htype or codec) and who provided it."""

    kind: str
    name: str
    distribution: str | None = None
    version: str | None = None


class TensorEntry(_Model):
    """One tensor in a manifest."""

    tensor_id: TensorId
    htype: str = "generic"
    #: The engine's ``TensorMeta`` as JSON.
    meta: dict[str, Any] = Field(default_factory=dict)
    #: Key of the tensor's current index file; ``None`` until the first flush.
    index_key: str | None = None
    length: int = 0
    hidden: bool = False
    info: dict[str, Any] = Field(default_factory=dict)
    #: The htype layer's ``TensorConfig`` as JSON.
    config: dict[str, Any] = Field(default_factory=dict)
    #: Creation arguments kept for ``create_tensor_like`` and introspection.
    create_args: dict[str, Any] = Field(default_factory=dict)
    #: Names of the htype's creation arguments (kept in ``info``).
    htype_args: list[str] = Field(default_factory=list)
    requires: list[Requirement] = Field(default_factory=list)
    #: Hidden companion tensors by role ("id", "sample_info").
    companions: dict[str, str] = Field(default_factory=dict)
    #: Deep Lake 4 column type (``deeplake_core.types`` JSON) when created through that
    #: face; ``None`` means "infer it from the htype".
    column_type: dict[str, Any] | None = None


class GroupEntry(_Model):
    info: dict[str, Any] = Field(default_factory=dict)


class Manifest(_Model):
    """The state of one version: the single commit point of a flush."""

    format_version: int = FORMAT_VERSION
    #: Incremented at every flush; names the index files written by that flush.
    seq: int = 0
    tensors: dict[str, TensorEntry] = Field(default_factory=dict)
    groups: dict[str, GroupEntry] = Field(default_factory=dict)
    info: dict[str, Any] = Field(default_factory=dict)
    allow_delete: bool = True
    #: True once anything was written to this version since it was created (a head
    #: with changes); a commit starts its child with ``False``.
    changed: bool = False

    def index_keys(self) -> set[str]:
        return {t.index_key for t in self.tensors.values() if t.index_key}

    def copy_deep(self) -> Manifest:
        return Manifest.model_validate(json.loads(self.model_dump_json()))


class VersionRecord(_Model):
    """One node of the version graph. Which versions are heads is decided by the
    branch refs alone; ``committed`` and the commit fields are written just before the
    ref moves past the version, so they are informational."""

    version_id: VersionId
    parent: VersionId | None = None
    branch: str = DEFAULT_BRANCH
    committed: bool = False
    message: str | None = None
    #: Creation time of the version (client clock, seconds since the epoch).
    time: Timestamp = Field(default_factory=time.time)
    #: Other parents of a merge commit (the merged commit ids).
    merge_parents: list[VersionId] = Field(default_factory=list)
    commit_time: Timestamp | None = None
    author: str | None = None
    #: Free-form version metadata (ClearML-style); frozen with the commit.
    metadata: dict[str, Any] = Field(default_factory=dict)
    #: Until this version's first flush it has no ``manifest.json`` of its own and
    #: shows its parent's state (so a commit or a new branch writes no manifest).
    inherit_manifest: bool = False


class FormatMarker(_Model):
    format: str = FORMAT_NAME
    format_version: int = FORMAT_VERSION
    created_by: str = ""
    default_branch: BranchName = DEFAULT_BRANCH


# -- encoding ------------------------------------------------------------------------


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True).encode()


def encode_manifest(manifest: Manifest) -> bytes:
    body = manifest.model_dump(mode="json")
    crc = zlib.crc32(_canonical(body))
    return _canonical({"crc32": crc, "manifest": body})


def decode_manifest(data: bytes, where: str) -> Manifest:
    """Parse a manifest file; ``DatasetCorruptError`` if it is torn, damaged or invalid."""
    try:
        doc = json.loads(data)
        body = doc["manifest"]
        crc = doc["crc32"]
        if not isinstance(body, dict):
            raise TypeError("the manifest body is not a JSON object")
    except _DECODE_ERRORS as exc:
        raise DatasetCorruptError(
            f"manifest {where!r} is unreadable (truncated or damaged: {exc}); "
            "open the dataset with reset=True to fall back to the previous good state"
        ) from exc
    if zlib.crc32(_canonical(body)) != crc:
        raise DatasetCorruptError(
            f"manifest {where!r} fails its checksum; open the dataset with reset=True "
            "to fall back to the previous good state"
        )
    check_format_version(body.get("format_version", FORMAT_VERSION), where)
    try:
        return Manifest.model_validate(body)
    except ValidationError as exc:
        raise DatasetCorruptError(f"manifest {where!r} is not valid: {exc}") from exc


def encode_json(model: BaseModel) -> bytes:
    return _canonical(model.model_dump(mode="json"))


def decode_json(model: type[BaseModel], data: bytes, where: str) -> Any:
    try:
        return model.model_validate(json.loads(data))
    except (*_DECODE_ERRORS, ValidationError) as exc:
        raise DatasetCorruptError(f"metadata file {where!r} is damaged: {exc}") from exc


def check_format_version(version: Any, where: str) -> None:
    if not isinstance(version, int) or version < 1:
        raise DatasetCorruptError(f"{where!r} records an invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise DatasetFormatError(
            f"{where!r} uses on-disk format version {version}, but this deeplake-core "
            f"reads versions up to {FORMAT_VERSION}; upgrade deeplake-core to open it"
        )


# -- reading and writing -------------------------------------------------------------


def shared(storage: Any) -> Any:
    """The provider beneath every cache layer of ``storage``: where metadata that other
    writers may change is read, so that no handle acts on a stale copy."""
    from deeplake_core.storage import get_base_storage

    return get_base_storage(storage)


def put(storage: Any, key: str, data: bytes) -> None:
    """Write metadata other writers may read: through every cache layer to the provider
    beneath (after all data written before it, so ordering is kept), uncached."""
    write_through = getattr(storage, "write_through", None)
    if write_through is not None:
        write_through(key, data)
    else:
        storage.set(key, data)


def is_dataset(storage: Any) -> bool:
    """Whether the storage holds a dataset (its format marker exists)."""
    try:
        return storage.exists(MARKER_KEY)
    except KeyError:
        return False


def read_marker(storage: Any) -> FormatMarker:
    try:
        data = storage.get(MARKER_KEY)
    except KeyError:
        raise DatasetCorruptError("the dataset's format marker is missing") from None
    try:
        raw = json.loads(data)
    except _DECODE_ERRORS as exc:
        raise DatasetCorruptError(f"format marker {MARKER_KEY!r} is damaged: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        raise DatasetCorruptError(f"{MARKER_KEY!r} does not describe a {FORMAT_NAME} dataset")
    check_format_version(raw.get("format_version"), MARKER_KEY)
    return decode_json(FormatMarker, data, MARKER_KEY)


def read_branch_head(storage: Any, branch: str) -> str | None:
    try:
        data = shared(storage).get(branch_key(branch))
    except KeyError:
        return None
    try:
        head = json.loads(data)["head"]
    except _DECODE_ERRORS as exc:
        raise DatasetCorruptError(f"branch ref {branch!r} is damaged: {exc}") from exc
    if not isinstance(head, str) or not _VERSION_ID.match(head):
        raise DatasetCorruptError(f"branch ref {branch!r} is damaged (head {head!r})")
    return head


def write_branch_head(storage: Any, branch: str, version_id: str) -> None:
    put(storage, branch_key(branch), _canonical({"head": version_id}))


def list_branches(storage: Any) -> list[str]:
    prefix = "refs/branches/"
    out = []
    for key in shared(storage).list_prefix(prefix):
        name = key[len(prefix) :]
        if name.endswith(".json"):
            out.append(name[: -len(".json")])
    return sorted(out)


def read_version(storage: Any, version_id: str) -> VersionRecord | None:
    try:
        data = shared(storage).get(version_key(version_id))
    except KeyError:
        return None
    return decode_json(VersionRecord, data, version_key(version_id))


def write_version(storage: Any, record: VersionRecord) -> None:
    put(storage, version_key(record.version_id), encode_json(record))


def read_manifest(storage: Any, version_id: str, reset: bool = False) -> tuple[Manifest, bool]:
    """Read a version's manifest.

    Returns ``(manifest, fell_back)``. A damaged ``manifest.json`` raises
    :class:`DatasetCorruptError` unless ``reset`` is true, in which case the previous
    good manifest is returned and ``fell_back`` is true.
    """
    key = manifest_key(version_id)
    try:
        data = shared(storage).get(key)
    except KeyError:
        data = None
    if data is None:
        rec = read_version(storage, version_id)
        if rec is not None and rec.inherit_manifest and rec.parent:
            man = read_manifest(storage, rec.parent)[0]
            man.changed = False
            return man, False
    if data is not None:
        try:
            return decode_manifest(data, key), False
        except DatasetFormatError:
            raise
        except DatasetCorruptError:
            if not reset:
                raise
    elif not reset:
        raise DatasetCorruptError(
            f"manifest {key!r} is missing; open the dataset with reset=True to fall back "
            "to the previous good state"
        )
    prev = prev_manifest_key(version_id)
    try:
        return decode_manifest(shared(storage).get(prev), prev), True
    except KeyError:
        rec = read_version(storage, version_id)
        if rec is not None and rec.inherit_manifest and rec.parent:
            # the state before this version's first flush: its parent's
            man = read_manifest(storage, rec.parent)[0]
            man.changed = False
            return man, True
        raise DatasetCorruptError(
            f"manifest {key!r} is damaged and no previous good manifest exists"
        ) from None


def manifest_bytes(storage: Any, version_id: str, fell_back: bool = False) -> bytes | None:
    """The bytes of a version's manifest file on disk (None while it inherits its
    parent's), or of its previous one if ``fell_back``."""
    key = prev_manifest_key(version_id) if fell_back else manifest_key(version_id)
    try:
        return shared(storage).get(key)
    except KeyError:
        return None


def write_manifest(
    storage: Any, version_id: str, manifest: Manifest, previous: bytes | None
) -> bytes:
    """Replace the version's manifest (the commit point); keep ``previous`` beside it.

    The caller must have flushed chunks and index files before calling this.
    Returns the bytes written, to be passed as ``previous`` next time.
    """
    data = encode_manifest(manifest)
    if previous is not None:
        # a fallback only: written as a new file (deleted first), so that the write
        # does not wait for the fsync a durable provider gives a replaced key
        prev = prev_manifest_key(version_id)
        with contextlib.suppress(KeyError):
            storage.delete(prev)
        put(storage, prev, previous)
    put(storage, manifest_key(version_id), data)
    return data


def write_marker(storage: Any) -> None:
    from deeplake_core import __version__

    marker = FormatMarker(created_by=f"deeplake-core {__version__}")
    storage.set(MARKER_KEY, encode_json(marker))

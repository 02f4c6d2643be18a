"""Per-sample identity and content keys of a tensor at any version.

* **Sample id**: the uint64 kept for each row in the tensor's hidden ``id`` companion;
  assigned at append, kept by updates, moved by merges. It says *which* sample a row is.
* **Content key**: where the row's bytes live, ``(chunk id, position in chunk)``. Chunks
  are immutable and their ids globally unique, so two versions show the same bytes for
  a row exactly when the keys are equal; an update always writes a new key. Read from
  the tensor's index file (engine format, ``docs/format.md``) without touching chunks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeplake_core.core import manifest as mf

KEY_DTYPE = np.dtype([("c", "<u8"), ("o", "<u8")])
_TILED = np.uint64(1 << 63)


def _logical_to_phys(phys: np.ndarray, lens: np.ndarray) -> np.ndarray:
    phys = np.asarray(phys, np.int64)
    lens = np.asarray(lens, np.int64)
    total = int(lens.sum()) if len(lens) else 0
    if total == 0:
        return np.empty(0, np.int64)
    starts = np.cumsum(lens) - lens
    return np.repeat(phys - starts, lens) + np.arange(total, dtype=np.int64)


def content_keys(storage: Any, entry: mf.TensorEntry) -> np.ndarray:
    """One :data:`KEY_DTYPE` record per row of the tensor described by ``entry``."""
    if entry.index_key is None or entry.length == 0:
        return np.empty(0, KEY_DTYPE)
    from deeplake_core.core.engine.index_file import load_index

    a = load_index(storage.get(entry.index_key), entry.index_key)
    phys = _logical_to_phys(a["map_phys"], a["map_lens"])
    out = np.empty(len(phys), KEY_DTYPE)
    if not len(phys):
        return out
    c_start = np.asarray(a["c_start"], np.int64)
    c_ids = np.asarray(a["c_ids"], np.uint64)
    row = np.searchsorted(c_start, phys, side="right") - 1
    out["c"] = c_ids[row]
    out["o"] = (phys - c_start[row]).astype(np.uint64)
    t_phys = np.asarray(a["t_phys"], np.int64)
    if len(t_phys):
        order = np.argsort(t_phys)
        pos = np.searchsorted(t_phys[order], phys)
        pos = np.minimum(pos, len(t_phys) - 1)
        hit = t_phys[order][pos] == phys
        if hit.any():
            j = order[pos[hit]]
            first = np.asarray(a["t_first"], np.int64)[j]
            out["c"][hit] = np.asarray(a["tile_ids"], np.uint64)[first]
            out["o"][hit] = _TILED
    empty = out["c"] == 0  # zero-byte samples live in no chunk: all alike
    out["o"][empty] = 0
    return out


def sample_ids(storage: Any, manifest: mf.Manifest, key: str) -> np.ndarray | None:
    """uint64 sample ids of tensor ``key`` in ``manifest`` (None without an id tensor)."""
    entry = manifest.tensors[key]
    comp = entry.companions.get("id")
    if comp is None or comp not in manifest.tensors:
        return None
    cent = manifest.tensors[comp]
    if cent.index_key is None or cent.length == 0:
        return np.empty(0, np.uint64)
    from deeplake_core.core import columns

    eng = columns.open_engine(storage, cent, columns.config_from_entry(cent))
    ids = np.asarray(eng.read(slice(0, eng.num_samples))).reshape(-1).astype(np.uint64)
    n = entry.length
    if len(ids) < n:  # rows written without ids read as "no id" (0)
        ids = np.concatenate([ids, np.zeros(n - len(ids), np.uint64)])
    return ids[:n]


def by_tensor_id(manifest: mf.Manifest) -> dict[str, str]:
    """``{tensor_id: key}`` for the tensors of ``manifest``."""
    return {e.tensor_id: k for k, e in manifest.tensors.items()}


def visible(manifest: mf.Manifest) -> list[str]:
    return [k for k, e in manifest.tensors.items() if not e.hidden]


def content_digests(storage: Any, entry: mf.TensorEntry, rows: Any) -> list[bytes]:
    """A digest of the decoded value (dtype, shape and bytes) of each row in ``rows``.

    Content keys tell whether two versions show the *same stored sample*; digests tell
    whether they show *equal values*, which is what a merge compares when the keys
    differ (a row copied by an earlier merge has new keys but unchanged content)."""
    import hashlib

    rows = [int(r) for r in rows]
    if not rows:
        return []
    from deeplake_core.core import columns

    eng = columns.open_engine(storage, entry, columns.config_from_entry(entry))
    out = []
    for value in eng.read(rows, aslist=True):
        arr = np.ascontiguousarray(value)
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{arr.dtype.str}{arr.shape}".encode())
        h.update(arr.tobytes())
        out.append(h.digest())
    return out

"""Transform checkpoints: progress records that let a re-run resume.

With ``checkpoint_interval=N`` the coordinator makes the output durable every ``N``
input samples. The progress record (which transform, how many input samples are
done, the output tensors' lengths at that point) is stored in the dataset's manifest
(key ``transform_checkpoint``) and written by the *same* flush as the samples it
describes, so the two can never disagree: the manifest is the dataset's single commit
point. When the dataset has version control (``ds.commit``), each checkpoint is also
committed, as the reference documents.

A record is used by a later ``eval`` only when it was written by the same transform
(same functions, input length and output tensors) and the output tensors still have
exactly the recorded lengths: any other write since then makes it stale, and the
transform starts from the beginning.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

logger = logging.getLogger("deeplake")

RECORD_KEY = "transform_checkpoint"


def fingerprint(functions: list[Any], n_inputs: int, group: str, tensors: list[str]) -> str:
    """Identity of a transform run, stable across processes."""
    doc = {
        "functions": [getattr(f, "identity", repr(f)) for f in functions],
        "inputs": n_inputs,
        "group": group,
        "tensors": sorted(tensors),
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


def _manifest(ds: Any) -> Any:
    return ds._state.manifest


def read(ds: Any) -> dict[str, Any] | None:
    """The progress record stored in ``ds``'s manifest, if any."""
    extra = _manifest(ds).__pydantic_extra__ or {}
    record = extra.get(RECORD_KEY)
    return dict(record) if isinstance(record, dict) else None


def usable(record: dict[str, Any] | None, fp: str, lengths: dict[str, int]) -> bool:
    """Whether ``record`` lets this run (fingerprint ``fp``) resume."""
    return (
        record is not None
        and record.get("fingerprint") == fp
        and record.get("lengths") == lengths
        and isinstance(record.get("done"), int)
    )


def _set(ds: Any, record: dict[str, Any] | None) -> None:
    man = _manifest(ds)
    extra = man.__pydantic_extra__
    if extra is None:
        extra = man.__pydantic_extra__ = {}
    if record is None:
        if RECORD_KEY not in extra:
            return
        del extra[RECORD_KEY]
    else:
        extra[RECORD_KEY] = record
    ds._state.mark_meta()


def save(ds: Any, record: dict[str, Any], commit: bool = True) -> None:
    """Store ``record`` and make it and every pending sample durable together; commit
    when the dataset supports it."""
    _set(ds, record)
    ds.flush()
    root = getattr(ds, "root", ds)
    commit_fn = getattr(root, "commit", None)
    if commit and callable(commit_fn):
        commit_fn(
            f"transform checkpoint: {record['done']} of {record['total']} input samples",
            allow_empty=True,
        )


def clear(ds: Any) -> None:
    """Drop the progress record (the transform finished); flushed with the next flush."""
    _set(ds, None)

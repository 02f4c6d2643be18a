"""A writer killed at every storage write of schema and metadata operations.

For each operation (tensor rename, tensor delete, group + tensor creation, info
updates, a flush touching two tensors, a commit) a forked child performs it on a copy
of a prepared dataset and exits abruptly (``os._exit``, no cleanup, like SIGKILL) just
before its N-th storage write (``set``, ``set_parts``, ``set_if_absent``, ``delete``),
for every N until the operation completes. The dataset must then open, pass
``check_integrity`` and show a published state: the one before the operation or the
one after one of its steps (each step publishes: a flush or a commit).
(extend/commit/merge under SIGKILL are covered by tests/dataset and tests/vc.)
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.storage import local

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

WRITES = ("set", "set_parts", "set_if_absent", "delete")


def _ops() -> dict[str, list[Any]]:
    """Each operation as its steps; every step ends in a publish (flush/commit)."""

    def extend_both(ds):
        with ds:
            ds.x.extend(np.arange(100, 110))
            ds.y.extend([f"t{i}" for i in range(10)])

    def update_both(ds):
        with ds:
            ds.x[0] = 42
            ds.y.append("new")

    def infos(ds):
        with ds:
            ds.info.update(owner="me", n=2)
            ds.x.info.update(unit="m")

    return {
        "rename": [lambda ds: ds.rename_tensor("x", "x2")],
        "delete": [lambda ds: ds.delete_tensor("y")],
        "group": [
            lambda ds: ds.create_group("g"),
            lambda ds: ds.create_tensor("g/t", htype="text"),
            lambda ds: ds["g/t"].extend(["a", "bb"]),
        ],
        "info": [infos],
        "two_tensors": [extend_both],
        "commit": [update_both, lambda ds: ds.commit("after")],
    }


OPS = _ops()


def _state(path: str) -> dict[str, Any]:
    ds = deeplake.load(path, read_only=True)
    ds.check_integrity()
    out: dict[str, Any] = {"info": dict(ds.info)}
    for name in sorted(ds.tensors):
        t = ds[name]
        out[name] = (
            t.numpy(aslist=True) if t.htype != "text" else t.text(),
            dict(t.info),
        )
        if t.htype != "text":
            out[name] = ([np.asarray(v).tolist() for v in out[name][0]], out[name][1])
    out["commits"] = len(ds.commits)
    ds.close()
    return out


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("killed") / "base"
    ds = deeplake.empty(str(path))
    ds.create_tensor("x", dtype="int64")
    ds.create_tensor("y", htype="text")
    ds.x.extend(np.arange(10))
    ds.y.extend([f"w{i}" for i in range(10)])
    ds.commit("base")
    ds.close()
    return path


def _run_child(path: str, op: str, kill_at: int) -> bool:
    """Run ``op`` in a forked child killed before write ``kill_at``; True if it finished."""
    pid = os.fork()
    if pid == 0:  # child: never returns
        code = 3
        try:
            calls = [0]

            def hook(name):
                orig = getattr(local.LocalProvider, name)

                def wrapped(self, *a, **kw):
                    calls[0] += 1
                    if calls[0] >= kill_at:
                        os._exit(9)  # killed: no cleanup, nothing more written
                    return orig(self, *a, **kw)

                setattr(local.LocalProvider, name, wrapped)

            for name in WRITES:
                hook(name)
            ds = deeplake.load(path)
            for step in OPS[op]:
                step(ds)
            ds.flush()
            code = 0
        except BaseException as exc:  # surfaced through the exit code
            print(f"child failed: {exc!r}", file=sys.stderr)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 9), f"{op} at write {kill_at}: child exited with {code}"
    return code == 0


def _published_states(prepared: Path, tmp_path: Path, op: str) -> list[dict[str, Any]]:
    """The state before ``op`` and after each of its steps (each one a publish)."""
    work = tmp_path / "ref"
    shutil.copytree(prepared, work)
    states = [_state(str(work))]
    ds = deeplake.load(str(work))
    for step in OPS[op]:
        step(ds)
        ds.flush()
        states.append(_state(str(work)))
    ds.close()
    return states


def _check(prepared: Path, tmp_path: Path, op: str, stride: int) -> int:
    states = _published_states(prepared, tmp_path, op)
    assert states[-1] != states[0]
    k = 1
    while True:
        run = tmp_path / f"{op}-{k}"
        shutil.copytree(prepared, run)
        finished = _run_child(str(run), op, k)
        got = _state(str(run))
        assert got in states, f"{op} killed before write {k}: not a published state"
        if finished:
            assert got == states[-1]
            shutil.rmtree(run)
            return k
        shutil.rmtree(run)
        k += stride
        assert k < 400, "the operation never finished"


@pytest.mark.parametrize("op", sorted(OPS))
def test_killed_at_every_other_write(prepared, tmp_path, op) -> None:
    assert _check(prepared, tmp_path, op, stride=2) > 1


@pytest.mark.slow
@pytest.mark.parametrize("op", sorted(OPS))
def test_killed_at_every_write(prepared, tmp_path, op) -> None:
    assert _check(prepared, tmp_path, op, stride=1) > 1

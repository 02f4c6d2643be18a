"""Crash safety of version control: a writer is SIGKILLed at every storage write of a
commit, a merge and a flush (deterministically: the k-th ``set`` kills the process).
Afterwards the dataset opens, every earlier commit reads back unchanged and the branch
shows either the state before the operation or the state after it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.core.vc.tags import open_version

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    import deeplake_core as deeplake
    from deeplake_core.storage import local

    path, op, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ds = deeplake.load(path)
    calls = [0]
    for name in ("set", "set_parts", "set_if_absent"):
        orig = getattr(local.LocalProvider, name)
        def hooked(self, *a, _orig=orig, **kw):
            calls[0] += 1
            if calls[0] == k:
                os.kill(os.getpid(), signal.SIGKILL)
            return _orig(self, *a, **kw)
        setattr(local.LocalProvider, name, hooked)
    if op == "commit":
        with ds:
            ds.x.append(np.int64(77))
            ds.x[0] = np.int64(-1)
        ds.commit("crash test")
    elif op == "merge":
        ds.merge("alt", conflict_resolution="theirs")
    elif op == "flush":
        ds.x.extend(np.arange(100, 120))
    print("done", flush=True)
    """
)


def _rows(ds) -> list[int]:
    return ds.x.numpy().reshape(-1).tolist()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("vc-crash")
    path = str(root / "base")
    ds = deeplake.empty(path)
    ds.create_tensor("x", dtype="int64")
    ds.x.extend(np.arange(10))
    c1 = ds.commit("base")
    ds.checkout("alt", create=True)
    ds.x[3] = 33
    ds.x.append(10)
    c_alt = ds.commit("alt work")
    ds.checkout("main")
    ds.x[5] = 55
    c_main = ds.commit("main work")
    commits = {c: _rows(open_version(ds._state, c)) for c in (c1, c_alt, c_main)}
    ds.close()
    return root, path, commits


@pytest.mark.parametrize(
    ("op", "after"),
    [
        ("commit", [-1, 1, 2, 3, 4, 55, 6, 7, 8, 9, 77]),
        ("merge", [0, 1, 2, 33, 4, 55, 6, 7, 8, 9, 10]),
        ("flush", [0, 1, 2, 3, 4, 55, 6, 7, 8, 9, *range(100, 120)]),
    ],
)
@pytest.mark.parametrize("stride", [pytest.param(1, marks=pytest.mark.slow), 3])
def test_sigkill_at_every_write(prepared, tmp_path, op, after, stride):
    """stride 1: kill at every write (slow); stride 3: every third write."""
    _root, base, commits = prepared
    before = [0, 1, 2, 3, 4, 55, 6, 7, 8, 9]
    finished = False
    k = 1
    while not finished:
        path = str(tmp_path / f"{op}-{k}")
        shutil.copytree(base, path)
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, path, op, str(k)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        finished = "done" in proc.stdout
        assert finished or proc.returncode == -9, proc.stderr
        ds = deeplake.load(path)
        for cid, rows in commits.items():
            assert _rows(open_version(ds._state, cid)) == rows, (op, k, cid)
        assert _rows(ds) in (before, after), (op, k, _rows(ds))
        if finished:
            assert _rows(ds) == after
            if op != "flush":
                assert ds.commit_id not in commits  # the new commit exists
        ds.check_integrity()
        ds.close()
        shutil.rmtree(path)
        k += stride
        assert k < 200

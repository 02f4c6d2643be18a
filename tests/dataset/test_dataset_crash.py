"""Crash safety: SIGKILL a writer in the middle of ``extend`` and reopen.

The writer appends deterministic batches to two tensors (numbers with varying shapes,
and text) and reports each batch after ``extend`` returned (it is then flushed). After
the kill the dataset must open, hold exactly a prefix of the batches on every tensor,
hold every reported batch, and pass ``check_integrity``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import deeplake_core as deeplake

BATCH = 8

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import deeplake_core as deeplake

    path, batch = sys.argv[1], int(sys.argv[2])
    ds = deeplake.load(path) if deeplake.exists(path) else deeplake.empty(path)
    if "nums" not in ds:
        ds.create_tensor("nums", dtype="int64")
        ds.create_tensor("words", htype="text")
    k = len(ds.nums) // batch
    print("ready", flush=True)
    while True:
        nums = [np.full((k % 3 + 1, 2), k * 1000 + i, dtype="int64") for i in range(batch)]
        words = [f"w{k}-{i}" * (1 + k % 4) for i in range(batch)]
        ds.extend({"nums": nums, "words": words})
        print(k, flush=True)
        k += 1
    """
)


def expected(k: int) -> tuple[list[np.ndarray], list[str]]:
    nums = [np.full((k % 3 + 1, 2), k * 1000 + i, dtype="int64") for i in range(BATCH)]
    words = [f"w{k}-{i}" * (1 + k % 4) for i in range(BATCH)]
    return nums, words


def check_prefix(path: str, acked: int) -> int:
    ds = deeplake.load(path, read_only=True)
    ds.check_integrity()
    n_nums, n_words = len(ds.nums), len(ds.words)
    assert n_nums == n_words, "the two tensors of one extend stay in step"
    assert n_nums % BATCH == 0, "an extend is all or nothing"
    batches = n_nums // BATCH
    assert batches >= acked, f"acknowledged batches lost: have {batches}, acked {acked}"
    assert batches <= acked + 1
    nums = ds.nums.numpy(aslist=True)
    words = ds.words.text()
    for k in range(batches):
        exp_n, exp_w = expected(k)
        for i in range(BATCH):
            np.testing.assert_array_equal(nums[k * BATCH + i], exp_n[i])
            assert words[k * BATCH + i] == exp_w[i]
    return batches


def run_rounds(tmp_path, rounds: int, max_delay: float) -> None:
    path = str(tmp_path / "crash_ds")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rng = random.Random(1234)
    acked = 0
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for _ in range(rounds):
        proc = subprocess.Popen(
            [sys.executable, str(script), path, str(BATCH)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            line = proc.stdout.readline()
            assert line.strip() == "ready", proc.stderr.read()
            time.sleep(rng.uniform(0.01, max_delay))
            os.kill(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        lines = [x for x in out.split() if x.strip().isdigit()]
        if lines:
            acked = int(lines[-1]) + 1
        acked = check_prefix(path, acked)
    assert acked > 0, "the writer never completed a batch; raise max_delay"


def test_sigkill_during_extend(tmp_path):
    start = time.monotonic()
    run_rounds(tmp_path, rounds=4, max_delay=0.4)
    assert time.monotonic() - start < 30


@pytest.mark.slow
def test_sigkill_during_extend_many_rounds(tmp_path):
    run_rounds(tmp_path, rounds=25, max_delay=1.0)

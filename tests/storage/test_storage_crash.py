"""SIGKILL a writer at random points: no torn values, no lost acknowledged writes."""

from __future__ import annotations

import hashlib
import random
import signal
import struct
import subprocess
import sys
import time

import pytest

from deeplake_core.storage.local import LocalProvider

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

# The child writes values "seq (8 bytes) | sha256(payload) (32 bytes) | payload" and,
# after each set returns, appends "key seq" to the report file.
CHILD = r"""
import os, random, struct, sys, hashlib
from deeplake_core.storage.local import LocalProvider
root, report, seed, durable = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
rng = random.Random(seed)
store = LocalProvider(root, durable=durable)
seq = seed * 1_000_000
with open(report, "a", buffering=1) as out:
    while True:
        seq += 1
        key = f"k/{rng.randrange(12)}" if rng.random() < 0.8 else f"d{rng.randrange(4)}/v/{rng.randrange(3)}"
        payload = os.urandom(rng.choice([10, 1000, 50_000, 400_000]))
        store.set(key, struct.pack(">Q", seq) + hashlib.sha256(payload).digest() + payload)
        out.write(f"{key} {seq}\n")
"""


def _decode(value: bytes) -> int:
    assert len(value) >= 40, f"torn value of {len(value)} bytes"
    (seq,) = struct.unpack(">Q", value[:8])
    assert hashlib.sha256(value[40:]).digest() == value[8:40], f"torn value seq={seq}"
    return seq


def _run_rounds(tmp_path, rounds: int, durable: bool, rng: random.Random) -> int:
    tmp_path.mkdir(parents=True, exist_ok=True)
    root, report = str(tmp_path / "store"), str(tmp_path / "report")
    checked = 0
    for round_ in range(1, rounds + 1):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, root, report, str(round_), "1" if durable else "0"]
        )
        time.sleep(rng.uniform(0.3, 0.9))
        child.send_signal(signal.SIGKILL)
        child.wait()
        store = LocalProvider(root)
        present = {key: _decode(store[key]) for key in store}  # every listed value whole
        acknowledged: dict[str, int] = {}
        with open(report) as f:
            for line in f:
                if line.endswith("\n"):  # a torn last report line is not an acknowledgment
                    key, seq = line.split()
                    acknowledged[key] = int(seq)
        for key, seq in acknowledged.items():
            assert key in present, f"acknowledged key {key} lost"
            assert present[key] >= seq, f"{key}: acknowledged write {seq} lost"
        checked += len(acknowledged)
    return checked


def test_sigkill_never_tears_values(tmp_path) -> None:
    assert _run_rounds(tmp_path, rounds=6, durable=True, rng=random.Random(1)) > 0


@pytest.mark.slow
def test_sigkill_many_rounds(tmp_path) -> None:
    rng = random.Random(2)
    _run_rounds(tmp_path / "durable", rounds=40, durable=True, rng=rng)
    _run_rounds(tmp_path / "fast", rounds=40, durable=False, rng=rng)

"""MemoryProvider: shared per root, thread-safe, pickling rules."""

from __future__ import annotations

import multiprocessing as mp
import pickle
import threading

import pytest

from deeplake_core.exceptions import MemoryDatasetCanNotBePickledError
from deeplake_core.storage.memory import MemoryProvider


def test_shared_per_root() -> None:
    a = MemoryProvider("mem://shared/one")
    b = MemoryProvider("mem://shared/one/")
    c = MemoryProvider("shared/one")
    a["k"] = b"v"
    assert b["k"] == b"v" and c["k"] == b"v"
    assert a.root == "mem://shared/one"
    other = MemoryProvider("mem://shared/two")
    assert not other.exists("k")
    nested = MemoryProvider("mem://shared/one/k")  # roots are separate namespaces
    assert list(nested) == []
    a.clear()


def test_private_instances() -> None:
    a, b = MemoryProvider(), MemoryProvider()
    a["k"] = b"v"
    assert not b.exists("k")


def test_values_are_copied() -> None:
    m = MemoryProvider()
    buf = bytearray(b"abc")
    m["k"] = buf
    buf[0] = ord("z")
    assert m["k"] == b"abc"


def test_threads_hammering() -> None:
    m = MemoryProvider()

    def work(t: int) -> None:
        for i in range(300):
            m[f"t{t}/{i}"] = bytes([t])
            m.set_if_absent("shared", bytes([t]))
            if i % 3 == 0:
                del m[f"t{t}/{i}"]
            list(m.list_prefix(f"t{t}/"))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(m) == 6 * 200 + 1


def test_pickle_same_process_attaches() -> None:
    m = MemoryProvider("mem://pickle/same")
    m["k"] = b"v"
    clone = pickle.loads(pickle.dumps(m))
    assert clone["k"] == b"v"
    clone["k2"] = b"w"
    assert m["k2"] == b"w"
    m.clear()


def test_pickle_private_carries_no_data() -> None:
    m = MemoryProvider()
    m["k"] = b"secret-ish"
    blob = pickle.dumps(m)
    assert b"secret-ish" not in blob
    assert list(pickle.loads(blob)) == []


def _unpickle_in_child(blob: bytes) -> str:
    try:
        pickle.loads(blob)
    except MemoryDatasetCanNotBePickledError as exc:
        return f"refused: {exc}"
    return "attached"


def test_pickle_into_fresh_process_is_refused() -> None:
    m = MemoryProvider("mem://pickle/spawned")
    m["k"] = b"v"
    blob = pickle.dumps(m)
    with mp.get_context("spawn").Pool(1) as pool:
        result = pool.apply(_unpickle_in_child, (blob,))
    assert result.startswith("refused") and "local path" in result
    m.clear()


def test_pickle_into_forked_child_sees_copy() -> None:
    if "fork" not in mp.get_all_start_methods():
        pytest.skip("no fork on this platform")
    m = MemoryProvider("mem://pickle/forked")
    m["k"] = b"v"
    with mp.get_context("fork").Pool(1) as pool:
        assert pool.apply(_unpickle_in_child, (pickle.dumps(m),)) == "attached"
    m.clear()

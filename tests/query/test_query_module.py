"""Module-level ``query``, ``query_async``, ``explain_query``, ``prepare_query``
(``deeplake_core.api.query``, which the top-level names wrap) and the ``Future`` every
``*_async`` call returns."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.api import query as q
from deeplake_core.core.futures import Future
from deeplake_core.exceptions import DatasetHandlerError, TQLError, TQLSyntaxError


def rows(view) -> list[int]:
    return list(view.sample_indices)


def _fill(ds) -> None:
    with ds:
        ds.create_tensor("labels", htype="class_label", class_names=["cat", "dog"])
        ds.create_tensor("confidence", dtype="float32")
        ds.create_tensor("score", dtype="float32")
        ds.labels.extend([0, 1, 0, 1, 1, 0])
        ds.confidence.extend(np.array([0.95, 0.5, 0.91, 0.99, 0.2, 0.7], np.float32))
        ds.score.extend(np.arange(6, dtype=np.float32))


@pytest.fixture
def local_path(tmp_path):
    path = str(tmp_path / "dataset")
    ds = deeplake.empty(path)
    _fill(ds)
    ds.close()
    return path


@pytest.fixture
def mem_path(request):
    path = f"mem://module-query-{request.node.name}"
    _fill(deeplake.empty(path, overwrite=True))
    return path


def test_query_with_from_path(local_path, mem_path):
    for path in (local_path, mem_path):
        view = q.query(f"SELECT * FROM '{path}' WHERE confidence > 0.9")
        assert rows(view) == [0, 2, 3]
        assert view.read_only
        assert rows(view.query("SELECT * WHERE labels = 'dog'")) == [3]
        np.testing.assert_allclose(view.confidence.numpy().ravel(), [0.95, 0.91, 0.99])
        assert rows(q.query(f"SELECT * FROM '{path}' LIMIT 4")) == [0, 1, 2, 3]
        assert rows(q.query(f"SELECT * FROM '{path}' WHERE labels = 'cat'")) == [0, 2, 5]


def test_query_opens_read_only_and_leaves_the_dataset_writable(local_path):
    q.query(f"SELECT * FROM '{local_path}' WHERE labels == 0")
    ds = deeplake.load(local_path)
    ds.labels.append(1)
    ds.confidence.append(0.0)
    ds.score.append(6.0)
    assert rows(q.query(f"SELECT * FROM '{local_path}' WHERE labels == 1")) == [
        1,
        3,
        4,
        6,
    ]


def test_set_operation_with_one_from(mem_path):
    text = f"(SELECT * FROM '{mem_path}' WHERE score < 2) UNION (SELECT * WHERE score > 4)"
    assert rows(q.query(text)) == [0, 1, 5]


def test_query_errors(mem_path, tmp_path):
    with pytest.raises(TQLError, match="FROM"):
        q.query("SELECT * WHERE labels == 0")
    two = f"(SELECT * FROM '{mem_path}') UNION (SELECT * FROM 'mem://other')"
    with pytest.raises(TQLError, match="one dataset"):
        q.query(two)
    with pytest.raises(DatasetHandlerError):
        q.query(f"SELECT * FROM '{tmp_path / 'missing'}'")
    with pytest.raises(TQLSyntaxError):
        q.query(f"SELECT * FROM '{mem_path}' WHERE")
    with pytest.raises(TypeError):
        q.query(None)


def test_query_async(mem_path):
    future = q.query_async(f"SELECT * FROM '{mem_path}' LIMIT 2")
    assert isinstance(future, Future)
    assert rows(future.result()) == [0, 1]
    assert future.is_completed()
    bad = q.query_async(f"SELECT * FROM '{mem_path}' WHERE nothere == 1")
    with pytest.raises(TQLError):
        bad.result()
    with pytest.raises(TQLError):
        bad.wait()


def test_explain_query(mem_path):
    plan = q.explain_query(f"SELECT * FROM '{mem_path}' WHERE labels = 'cat'")
    text = str(plan)
    assert "labels" in text and plan.to_dict()["filter_reads"] == ["labels"]
    assert q.explain_query("SELECT * WHERE x > ?").to_dict()["where"] == "x > ?"
    with pytest.raises(TQLError, match="nothere"):
        q.explain_query(f"SELECT * FROM '{mem_path}' WHERE nothere > 1")


def test_prepare_query(mem_path, local_path):
    for path in (mem_path, local_path):
        executor = q.prepare_query(f"SELECT * FROM '{path}' WHERE score > ?")
        assert executor.get_query_string() == f"SELECT * FROM '{path}' WHERE score > ?"
        assert rows(executor.run_single([3])) == [4, 5]
        assert [rows(v) for v in executor.run_batch([[4], [0.5], [10]])] == [
            [5],
            [1, 2, 3, 4, 5],
            [],
        ]
        assert rows(executor.run_single_async([1]).result()) == [2, 3, 4, 5]
        assert [rows(v) for v in executor.run_batch_async([[3], [2]]).result()] == [
            [4, 5],
            [3, 4, 5],
        ]
    executor = q.prepare_query(f"SELECT * FROM '{mem_path}' WHERE labels == ?")
    assert rows(executor.run_single(["dog"])) == [1, 3, 4]
    with pytest.raises(TQLError):
        executor.run_single([])  # one value per '?'
    with pytest.raises(TQLError):
        executor.run_batch("oops")
    with pytest.raises(TQLError, match="FROM"):
        q.prepare_query("SELECT * WHERE score > ?")


def test_parameters_are_values_never_code(mem_path):
    executor = q.prepare_query(f"SELECT * FROM '{mem_path}' WHERE labels == ?")
    with pytest.raises(TQLError, match="not a class name"):
        executor.run_single(["cat' OR 1 == 1 OR labels == 'dog"])
    executor = q.prepare_query(f"SELECT * FROM '{mem_path}' WHERE score == ?")
    for text in ("1 OR 1 == 1", "__import__('os').system('false')"):
        with pytest.raises(TQLError, match="cannot be compared with the string"):
            executor.run_single([text])
    assert rows(executor.run_single([1])) == [1]


# ----------------------------------------------------------------------------- Future


def test_future_states_and_callbacks():
    gate = threading.Event()
    future = Future.submit(lambda: (gate.wait(5), 42)[1])
    assert not future.is_completed()
    assert "pending" in repr(future)
    seen = []
    future.add_done_callback(lambda f: seen.append(f.result()))
    with pytest.raises(TimeoutError):
        future.result(timeout=0.01)
    gate.set()
    assert future.result() == 42
    future.wait()
    assert future.is_completed() and future.done() and seen == [42]
    assert repr(future) == "Future(completed)"
    assert Future.completed("x").result() == "x"
    failed = Future.failed(KeyError("k"))
    assert failed.is_completed() and isinstance(failed.exception(), KeyError)
    assert "failed: KeyError" in repr(failed)


def test_future_is_awaitable_in_a_running_loop(mem_path):
    ds = deeplake.load(mem_path, read_only=True)

    async def main():
        view = await ds.query_async("SELECT * WHERE labels == 'dog'")
        many = await asyncio.gather(
            q.query_async(f"SELECT * FROM '{mem_path}' LIMIT 1"),
            Future.submit(time.sleep, 0.01),
        )
        return rows(view), rows(many[0]), many[1]

    assert asyncio.run(main()) == ([1, 3, 4], [0], None)


def test_future_cancel_before_start():
    gates = [threading.Event() for _ in range(40)]
    blockers = [Future.submit(g.wait, 5) for g in gates]  # occupy every worker
    queued = Future.submit(lambda: "ran")
    cancelled = queued.cancel()
    for g in gates:
        g.set()
    for b in blockers:
        b.wait()
    if cancelled:
        assert queued.cancelled() and "cancelled" in repr(queued)
    else:
        assert queued.result() == "ran"


def test_top_level_names_run_the_query(mem_path):
    assert len(deeplake.query(f"SELECT * FROM '{mem_path}' WHERE score >= 4")) == 2
    assert len(deeplake.query_async(f"SELECT * FROM '{mem_path}' LIMIT 3").result()) == 3
    assert "score" in str(deeplake.explain_query(f"SELECT * FROM '{mem_path}' WHERE score > 1"))
    executor = deeplake.prepare_query(f"SELECT * FROM '{mem_path}' WHERE score > ?")
    assert len(executor.run_single([4])) == 1
    assert deeplake.Future is Future

"""``batches`` through the loader core, what ``indexing_mode`` changes, and every
``*_async`` member awaited inside a running asyncio loop."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core import types
from deeplake_core.core.futures import Future
from deeplake_core.core.query_source import DatasetSource
from deeplake_core.exceptions import ReadOnlyModeError, TQLError

# ----------------------------------------------------------------------------- batches


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return type(a) is type(b) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


@pytest.fixture
def mixed(mem_url):
    ds = deeplake.create(mem_url)
    ds.add_column("img", types.Image())
    ds.add_column("lab", types.ClassLabel("int32"))
    ds.add_column("f", "float32")
    ds.add_column("t", types.Text())
    ds.add_column("j", types.Dict())
    ds.add_column("e", types.Embedding(4))
    ds.add_column("s", types.Sequence(types.Text()))
    ds.append(
        [
            {
                "img": np.full((4 + i // 2, 5, 3), i, np.uint8),
                "lab": i,
                "f": i / 2,
                "t": f"x{i}",
                "j": {"a": i},
                "e": np.arange(4, dtype=np.float32) + i,
                "s": ["a"] * i,
            }
            for i in range(7)
        ]
    )
    return ds


def test_batches_read_like_columns(mixed):
    views = (mixed, mixed[1:6], mixed.query("SELECT * WHERE lab > 1 ORDER BY f DESC"))
    for view in views:
        for size, drop_last in ((2, False), (3, True), (10, False)):
            batches = view.batches(size, drop_last=drop_last)
            got = list(batches)
            full, rest = divmod(len(view), size)
            assert len(batches) == len(got) == full + (rest > 0 and not drop_last)
            for i, batch in enumerate(got):
                assert list(batch) == list(view.schema)
                for name, values in batch.items():
                    expected = view[name][i * size : (i + 1) * size]
                    assert _same(values, expected), (name, values, expected)
    first = next(iter(mixed.batches(2)))
    assert first["lab"].shape == (2,) and first["t"] == ["x0", "x1"]
    assert first["j"] == [{"a": 0}, {"a": 1}] and first["e"].shape == (2, 4)


def test_batches_go_through_the_loader_core(mixed, monkeypatch):
    from deeplake_core.loaders import core

    runs = []
    real = core.Loader._run

    def counting(self, epoch, start):
        runs.append(self.cfg.batch_size)
        return real(self, epoch, start)

    monkeypatch.setattr(core.Loader, "_run", counting)
    assert sum(len(b["f"]) for b in mixed.batches(4)) == 7
    assert runs == [4]


def test_batches_arguments(mixed):
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            mixed.batches(bad)
    assert list(mixed[0:0].batches(2)) == []


# ----------------------------------------------------------------------------- indexing mode

SEARCH = "SELECT * ORDER BY COSINE_SIMILARITY(e, ARRAY[1, 0, 0]) DESC LIMIT 2"
NORMS = "cosine_similarity/l2_rows"


def _norm_computations(ds) -> int:
    """How many times the row norms of ``e`` must be computed for a search now
    (0: the dataset keeps them, 1: not kept or out of date)."""
    calls = []

    def compute(array):
        calls.append(1)
        return np.linalg.norm(array, axis=1)

    DatasetSource(ds._core).derived_column("e", NORMS, compute, np.arange(len(ds)))
    return len(calls)


def _vectors(mem_url, mode):
    pytest.importorskip("deeplake_core_query_functions")
    ds = deeplake.create(mem_url)
    ds.indexing_mode = mode
    ds.add_column("e", types.Embedding(3))
    ds.add_column("x", "int32")
    ds.append([{"e": np.arange(3) + i, "x": i} for i in range(6)])
    return ds


def test_indexing_mode_automatic_builds_on_first_search(mem_url):
    ds = _vectors(mem_url, "automatic")
    assert ds.indexing_mode is deeplake.IndexingMode.Automatic
    assert _norm_computations(ds) == 1  # nothing built by the write
    ds.query(SEARCH)
    assert _norm_computations(ds) == 0  # the search kept them
    ds["e"][0] = np.array([9, 0, 0])
    assert _norm_computations(ds) == 1  # out of date after a write


def test_indexing_mode_always_builds_after_each_write(mem_url):
    ds = _vectors(mem_url, deeplake.IndexingMode.Always)
    assert _norm_computations(ds) == 0  # built by the append itself
    ds["e"][0] = np.array([9, 0, 0])
    assert _norm_computations(ds) == 0  # ... and again after a column write
    assert ds.query(SEARCH).sample_indices[0] == 0
    ds.delete(0)
    assert _norm_computations(ds) == 0
    assert deeplake.open_read_only(mem_url).indexing_mode is deeplake.IndexingMode.Always


def test_indexing_mode_off_keeps_nothing(mem_url):
    ds = _vectors(mem_url, "OFF")
    assert ds.indexing_mode is deeplake.IndexingMode.Off
    top = ds.query(SEARCH).sample_indices
    assert _norm_computations(ds) == 1  # the search kept nothing
    assert ds.query(SEARCH).sample_indices == top
    executor = ds.prepare_query("SELECT * ORDER BY COSINE_SIMILARITY(e, ?) DESC LIMIT 2")
    assert executor.run_single([[1, 0, 0]]).sample_indices == top
    assert _norm_computations(ds) == 1
    # switching to Always builds at once; back to Off drops it
    ds.indexing_mode = "always"
    assert _norm_computations(ds) == 0
    ds.indexing_mode = deeplake.IndexingMode.Off
    assert _norm_computations(ds) == 1


def test_indexing_mode_invalid_values(mem_url):
    ds = deeplake.create(mem_url)
    for bad in ("sometimes", 3, None, ""):
        with pytest.raises(ValueError, match="indexing_mode is one of"):
            ds.indexing_mode = bad
    assert ds.indexing_mode is deeplake.IndexingMode.Automatic
    with pytest.raises(ReadOnlyModeError):
        deeplake.open_read_only(mem_url).indexing_mode = "off"


# ----------------------------------------------------------------------------- async


@pytest.fixture
def versioned(tmp_path):
    path = str(tmp_path / "ds")
    ds = deeplake.create(path)
    ds.add_column("x", "int32")
    ds.append([{"x": i} for i in range(5)])
    ds.commit("first")
    ds.tag("v1")
    ds.branch("dev")
    return path


def test_every_async_member_awaits_in_a_running_loop(versioned, tmp_path):
    """Each ``*_async`` returns the project Future, awaited inside ``asyncio.run``."""
    backup = str(tmp_path / "backup")
    doomed = str(tmp_path / "doomed")
    deeplake.create(doomed)

    async def main() -> dict[str, object]:
        ds = deeplake.open(versioned)
        ro = deeplake.open_read_only(versioned)
        view = ds[0:4]
        ex = ds.prepare_query("SELECT * WHERE x > ?")
        calls = {
            "deeplake.query_async": lambda: deeplake.query_async(
                f"SELECT * FROM '{versioned}' WHERE x > 2"
            ),
            "deeplake.delete_async": lambda: deeplake.delete_async(doomed),
            "Dataset.query_async": lambda: ds.query_async("SELECT * WHERE x > 2"),
            "ReadOnlyDataset.query_async": lambda: ro.query_async("SELECT * WHERE x > 2"),
            "DatasetView.query_async": lambda: view.query_async("SELECT * WHERE x > 2"),
            "Column.get_async": lambda: ds["x"].get_async(slice(1, 3)),
            "Column.set_async": lambda: ds["x"].set_async(0, 10),
            "Dataset.commit_async": lambda: ds.commit_async("async"),
            "Dataset.refresh_async": lambda: ds.refresh_async(),
            "ReadOnlyDataset.refresh_async": lambda: ro.refresh_async(),
            "Dataset.push_async": lambda: ds.push_async(backup),
            "Dataset.pull_async": lambda: ds.pull_async(backup),
            "QueryExecutor.run_single_async": lambda: ex.run_single_async([2]),
            "QueryExecutor.run_batch_async": lambda: ex.run_batch_async([[1], [3]]),
            "Version.open_async": lambda: ds.history[0].open_async(),
            "Tag.open_async": lambda: ds.tags["v1"].open_async(),
            "TagView.open_async": lambda: ro.tags["v1"].open_async(),
            "Branch.open_async": lambda: ds.branches["dev"].open_async(),
        }
        out = {}
        for name, call in calls.items():  # in order: later ones see earlier writes
            fut = call()
            assert isinstance(fut, Future), name
            out[name] = await fut
            assert fut.is_completed(), name
        return out

    got = asyncio.run(main())
    assert len(got["deeplake.query_async"]) == 2
    assert not deeplake.exists(doomed)
    for name in ("Dataset", "ReadOnlyDataset", "DatasetView"):
        assert isinstance(got[f"{name}.query_async"], deeplake.DatasetView)
    assert len(got["DatasetView.query_async"]) == 1
    assert got["Column.get_async"].tolist() == [1, 2]
    assert isinstance(got["Dataset.commit_async"], str)
    # x is [10, 1, 2, 3, 4] after set_async
    assert [len(v) for v in got["QueryExecutor.run_batch_async"]] == [4, 2]
    assert len(got["QueryExecutor.run_single_async"]) == 3
    assert got["Version.open_async"]["x"][:].tolist() == [0, 1, 2, 3, 4]
    assert isinstance(got["TagView.open_async"], deeplake.ReadOnlyDataset)
    assert isinstance(got["Branch.open_async"], deeplake.Dataset)
    assert deeplake.open_read_only(backup)["x"][0] == 10  # pushed after set_async


def test_async_errors_raise_when_awaited(mem_url):
    ds = deeplake.create(mem_url)

    async def main() -> None:
        await ds.query_async("SELECT * WHERE nope > 1")

    with pytest.raises(TQLError):
        asyncio.run(main())
    fut = ds.query_async("SELECT * WHERE nope > 1")  # and from plain code
    with pytest.raises(TQLError):
        fut.result()
    assert fut.is_completed()

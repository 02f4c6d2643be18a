"""``num_workers``/``scheduler`` of copy, save_view/load_view(optimize=True) and filter
run on the scheduler plugins, with the same result as the single-threaded path."""

from __future__ import annotations

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import FilterError, MemoryDatasetCanNotBePickledError


@pytest.fixture
def source(tmp_path):
    ds = deeplake.empty(str(tmp_path / "src"))
    with ds:
        ds.create_tensor("images", dtype="uint8", sample_compression="lz4", max_chunk_size=4096)
        ds.create_tensor("labels", htype="class_label", class_names=["a", "b", "c"])
        ds.create_tensor("caption", htype="text")
        rng = np.random.default_rng(0)
        for i in range(120):
            ds.images.append(rng.integers(0, 255, (8 + i % 5, 8, 3), dtype=np.uint8))
        ds.labels.extend(np.arange(120) % 3)
        ds.caption.extend([f"row {i}" for i in range(120)])
    ds.commit("data")
    return ds


def _contents(ds):
    return (
        [a.tolist() for a in ds.images.numpy(aslist=True)],
        ds.labels.numpy().ravel().tolist(),
        list(ds.labels.info.class_names),
        ds.caption.text(),
    )


@pytest.mark.parametrize("scheduler", ["threaded", "processed"])
def test_copy_of_a_view_on_workers(tmp_path, source, scheduler):
    view = source[3:110:2]
    ref = view.copy(str(tmp_path / "ref"))
    out = view.copy(str(tmp_path / "par"), num_workers=2, scheduler=scheduler, progressbar=False)
    assert _contents(out) == _contents(ref)
    assert len(out.images) == len(range(3, 110, 2))
    out.check_integrity()
    again = deeplake.copy(view, str(tmp_path / "api"), num_workers=2, scheduler=scheduler)
    assert _contents(again) == _contents(ref)


def test_saved_view_optimized_on_workers(source):
    view = source.filter(lambda s: int(s.labels.numpy()[0]) != 1, progressbar=False)
    vid = view.save_view(id="no-b", optimize=True, num_workers=2, scheduler="processed")
    assert vid.endswith("no-b")
    loaded = source.load_view("no-b")
    assert _contents(loaded) == _contents(view)
    other = source[10:40]
    other.save_view(id="slice")
    opt = source.load_view("slice", optimize=True, num_workers=2, scheduler="processed")
    assert _contents(opt) == _contents(other)
    assert source.get_view("slice").optimized


def test_filter_on_processed_workers(source):
    def keep(sample):
        return int(sample.labels.numpy()[0]) == 2 and sample.caption.text() != "row 20"

    threads = source.filter(keep, num_workers=2, progressbar=False)
    procs = source.filter(keep, num_workers=2, scheduler="processed", progressbar=False)
    assert list(procs.sample_indices) == list(threads.sample_indices)
    assert list(procs.sample_indices) == [i for i in range(2, 120, 3) if i != 20]

    def boom(sample):
        if sample.caption.text() == "row 77":
            raise RuntimeError("bad row")
        return True

    with pytest.raises(FilterError, match="bad row"):
        source.filter(boom, num_workers=2, scheduler="processed", progressbar=False)


def test_memory_sources_need_threads():
    ds = deeplake.empty("mem://dataset-ops-memory", overwrite=True)
    ds.create_tensor("x")
    ds.x.extend(np.arange(10).reshape(-1, 1))
    with pytest.raises(MemoryDatasetCanNotBePickledError, match="threaded"):
        ds[1:5].copy("mem://dataset-ops-copy", num_workers=2, scheduler="processed")
    out = ds[1:5].copy("mem://dataset-ops-copy2", num_workers=2, scheduler="threaded")
    assert out.x.numpy().ravel().tolist() == [1, 2, 3, 4]

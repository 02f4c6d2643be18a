"""The loader core through ``ds.dataloader()`` / ``ds.batches()`` (numpy output)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from loader_helpers import N

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    EmptyTensorError,
    ModuleNotInstalledException,
    TensorDoesNotExistError,
)
from deeplake_core.loaders import DeepLakeDataLoader


def add_one(sample):
    sample["labels"] = sample["labels"] + 1
    return sample


def _rows(loader) -> list[int]:
    return [int(i) for b in loader for i in np.asarray(b["index"]).reshape(-1)]


def _labels(loader) -> list[int]:
    return [int(v) for b in loader for v in np.asarray(b["labels"]).reshape(-1)]


# ---------------------------------------------------------------- exactly once


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("view", ["dataset", "slice", "random_split", "list"])
def test_every_sample_exactly_once(ds, shuffle, workers, view):
    if view == "dataset":
        target, expect = ds, list(range(N))
    elif view == "slice":
        target, expect = ds[17:201:2], list(range(17, 201, 2))
    elif view == "random_split":
        target, _ = ds.random_split([0.7, 0.3])
        expect = list(target.sample_indices)
    else:
        rows = np.random.default_rng(1).permutation(N)[:150]
        target, expect = ds[rows.tolist()], rows.tolist()
    dl = target.dataloader().batch(16).shuffle(shuffle)
    if workers:
        dl = dl.transform(add_one)
    dl = dl.numpy(num_workers=workers)
    rows = _rows(dl)
    assert sorted(rows) == sorted(expect)
    if not shuffle:
        assert rows == expect  # view order kept
    labels = _labels(dl)
    assert sorted(labels) == sorted(r + (1 if workers else 0) for r in expect)
    dl.close()


def test_samples_carry_their_own_data(ds):
    for b in ds.dataloader().batch(10).shuffle().numpy():
        idx = np.asarray(b["index"]).reshape(-1)
        assert (b["labels"].reshape(-1) == idx).all()
        assert (b["images"][:, 0, 0, 0] == idx % 256).all()


def test_shuffled_order_differs_from_dataset_and_between_epochs(ds):
    dl = ds.dataloader().batch(32).shuffle().numpy()
    e1, e2 = _rows(dl), _rows(dl)
    assert sorted(e1) == sorted(e2) == list(range(N))
    assert e1 != list(range(N))
    assert e1 != e2


def test_shuffle_mixes_across_chunks(ds):
    # ~10 samples per chunk: a batch of 32 drawn from one chunk group would be contiguous
    first = next(iter(ds.dataloader().batch(32).shuffle().numpy()))
    chunks = set((np.asarray(first["index"]) // 10).tolist())
    assert len(chunks) > 3


def test_small_buffer_bounds_displacement(ds):
    # with a tiny buffer samples move only a little from their chunk-group stream spot
    dl = ds.dataloader().batch(8).shuffle(buffer_size=0.0005).numpy()  # ~2 KB ~ 10 samples
    rows = _rows(dl)
    assert sorted(rows) == list(range(N))
    assert rows != list(range(N))


def test_seeded_shuffle_is_reproducible(ds):
    deeplake.random.seed(7)
    a = _rows(ds.dataloader().shuffle().numpy())
    deeplake.random.seed(7)
    b = _rows(ds.dataloader().shuffle().numpy())
    deeplake.random.seed(None)
    assert a == b


# ---------------------------------------------------------------- chunk fetching


@pytest.mark.parametrize("shuffle", [False, True])
def test_each_chunk_fetched_once_per_epoch(local_ds, shuffle):
    ds = local_ds
    eng = ds.images._engine
    nchunks = len(np.unique(eng._chunk_rows(eng._map.to_phys(np.arange(N)))))
    assert nchunks > 15
    view, _ = ds.random_split([0.8, 0.2])  # random order
    dl = view.dataloader().batch(7).shuffle(shuffle).numpy(tensors=["images"])
    before = dl.loader.source.chunk_reads()
    assert len(_rows(dl)) == len(view)
    fetched = dl.loader.source.chunk_reads() - before
    touched = len(
        np.unique(eng._chunk_rows(eng._map.to_phys(np.asarray(list(view.sample_indices)))))
    )
    assert fetched <= touched


# ---------------------------------------------------------------- resume


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("workers", [0, 2])
def test_resume_yields_exactly_the_rest(ds, shuffle, workers):
    dl = ds.dataloader().batch(10).shuffle(shuffle)
    if workers:
        dl = dl.transform(add_one)
    dl = dl.numpy(num_workers=workers)
    full_next = None
    seen = []
    it = iter(dl)
    for _ in range(7):
        seen.extend(np.asarray(next(it)["index"]).reshape(-1).tolist())
    state = dl.state_dict()
    assert state["consumed"] == 70
    del it
    dl.close()
    # a fresh loader (a restarted job) resumes from the state
    dl2 = ds.dataloader().batch(10).shuffle(shuffle)
    if workers:
        dl2 = dl2.transform(add_one)
    dl2 = dl2.numpy(num_workers=workers)
    dl2.load_state_dict(state)
    rest = _rows(dl2)
    assert len(seen) + len(rest) == N
    assert sorted(seen + rest) == list(range(N))
    # the epoch after the resumed one is a full, new epoch
    full_next = _rows(dl2)
    assert sorted(full_next) == list(range(N))
    dl2.close()


def test_state_of_finished_epoch_starts_next_epoch(ds):
    dl = ds.dataloader().batch(50).shuffle().numpy()
    first = _rows(dl)
    state = dl.state_dict()
    dl2 = ds.dataloader().batch(50).shuffle().numpy()
    dl2.load_state_dict(state)
    second = _rows(dl2)
    assert sorted(second) == list(range(N)) and second != first


def test_state_from_other_data_is_refused(ds):
    state = ds.dataloader().numpy().state_dict()
    other = ds[:10].dataloader().numpy()
    with pytest.raises(ValueError, match="different data"):
        other.load_state_dict(state)


# ---------------------------------------------------------------- builder rules


@pytest.mark.parametrize(
    "first,second",
    [
        (lambda d: d.batch(2), lambda d: d.batch(3)),
        (lambda d: d.shuffle(), lambda d: d.shuffle(False)),
        (lambda d: d.offset(1), lambda d: d.offset(2)),
        (lambda d: d.transform(add_one), lambda d: d.transform(add_one)),
        (lambda d: d.numpy(), lambda d: d.numpy()),
        (lambda d: d.numpy(), lambda d: d.pytorch()),
        (lambda d: d.pytorch(), lambda d: d.tensorflow()),
    ],
)
def test_steps_called_twice_raise(ds, first, second):
    dl = first(ds.dataloader())
    with pytest.raises(ValueError, match=r"already been called|cannot follow"):
        second(dl)


def test_steps_return_new_loaders(ds):
    base = ds.dataloader()
    assert isinstance(base, DeepLakeDataLoader)
    b = base.batch(5)
    assert b is not base and len(b) == -(-N // 5) and len(base) == N
    base.batch(7)  # the original is untouched, so batch() may be called on it again


def test_offset_and_drop_last(ds):
    dl = ds.dataloader().offset(30).batch(64, drop_last=True).numpy()
    rows = _rows(dl)
    assert rows == list(range(30, 30 + 64 * ((N - 30) // 64)))
    assert len(dl) == (N - 30) // 64


def test_dict_transform_and_tensors(ds):
    dl = (
        ds.dataloader()
        .transform({"labels": lambda x: x * 10, "images": None})
        .batch(4)
        .numpy(tensors=["labels"])
    )
    b = next(iter(dl))
    assert set(b) == {"labels", "index"}
    assert b["labels"].reshape(-1).tolist() == [0, 10, 20, 30]


def test_transform_kwargs(ds):
    def scale(sample, factor):
        sample["labels"] = sample["labels"] * factor
        return sample

    b = next(iter(ds.dataloader().transform(scale, factor=3).batch(3).numpy()))
    assert b["labels"].reshape(-1).tolist() == [0, 3, 6]


def test_unknown_tensor_and_bad_decode(ds):
    with pytest.raises(TensorDoesNotExistError):
        iter(ds.dataloader().numpy(tensors=["nope"]))
    with pytest.raises(ValueError, match="decode method"):
        iter(ds.dataloader().numpy(decode_method={"images": "jpeg"}))
    with pytest.raises(ValueError, match="pil"):
        iter(ds.dataloader().numpy(decode_method={"images": "pil"}))


def test_tobytes_decode(ds):
    b = next(iter(ds.dataloader().batch(2).numpy(decode_method={"images": "tobytes"})))
    assert b["images"][1] == ds.images[1].numpy().tobytes()


def test_batches_v4_face(ds):
    bs = ds[:50].batches(16)
    got = list(bs)
    assert len(bs) == 4 and [len(b["labels"]) for b in got] == [16, 16, 16, 2]
    assert "index" not in got[0]
    assert len(list(ds.batches(16, drop_last=True))) == N // 16


def test_dynamic_shapes_and_text(tmp_path):
    ds = deeplake.dataset("mem://loader-dyn", overwrite=True)
    ds.create_tensor("x", dtype="float32")
    ds.create_tensor("t", htype="text")
    with ds:
        for i in range(9):
            ds.append({"x": np.ones((i + 1,), np.float32), "t": f"s{i}"})
    b = next(iter(ds.dataloader().batch(3).numpy()))
    assert isinstance(b["x"], list) and [len(a) for a in b["x"]] == [1, 2, 3]
    assert b["t"] == ["s0", "s1", "s2"]


def test_empty_tensor_error_for_pytorch(ds):
    pytest.importorskip("torch")
    ds.create_tensor("empty")
    with pytest.raises(EmptyTensorError):
        ds.pytorch()
    assert len(list(ds.pytorch(tensors=["labels"], num_workers=0))) == N


def test_missing_framework_names_package(ds, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("torch", "tensorflow") else real(name, *a),
    )
    with pytest.raises(ModuleNotInstalledException, match=r"torch==2\.13\.0"):
        ds.pytorch()
    with pytest.raises(ModuleNotInstalledException, match="tensorflow"):
        ds.dataloader().tensorflow()


def test_ignore_errors_skips_unreadable_samples(ds, monkeypatch):
    from deeplake_core.loaders.source import TensorReader

    real = TensorReader.fetch

    def flaky(self, rows):
        if self.name == "labels" and 5 in rows.tolist():
            raise OSError("disk on fire")
        return real(self, rows)

    monkeypatch.setattr(TensorReader, "fetch", flaky)
    with pytest.raises(OSError):
        _rows(ds.dataloader().batch(8).numpy())
    rows = _rows(ds.dataloader(ignore_errors=True).batch(8).numpy())
    assert rows == [r for r in range(N) if r != 5]


def test_worker_exception_is_reraised_with_traceback(ds):
    def boom(sample):
        raise KeyError("bad sample")

    dl = ds.dataloader().transform(boom).numpy(num_workers=1)
    with pytest.raises(KeyError) as err:
        next(iter(dl))
    assert any("loader worker" in n for n in getattr(err.value, "__notes__", []))
    dl.close()


def test_no_torch_or_tf_at_import():
    import subprocess
    import sys

    code = (
        "import deeplake_core as d, sys; d.dataset('mem://x').dataloader(); "
        "print('torch' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_memory_is_stable_over_epochs(ds):
    dl = ds.dataloader().batch(16).shuffle().numpy()
    for _ in range(3):
        _rows(dl)
    engines = len(dl.loader.source._engines)
    before = _rss()
    for _ in range(15):
        _rows(dl)
    assert len(dl.loader.source._engines) == engines  # no engines opened per epoch
    assert _rss() - before < 20 << 20
    dl.close()

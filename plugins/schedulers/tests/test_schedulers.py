"""serial, threaded and processed: identical output, the documented examples, errors
across processes, dynamic task hand-out, and resume after a killed worker or a killed
coordinator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    InvalidInputDataError,
    InvalidOutputDatasetError,
    TransformError,
)
from deeplake_core.transform import checkpoint as ckpt

SCHEDULERS = ["serial", "threaded", "processed"]


@deeplake.compute
def make_sample(sample_in, samples_out, size):
    rng = np.random.default_rng(sample_in)
    for k in range(sample_in % 3):  # 0, 1 or 2 rows per input
        samples_out.images.append(rng.integers(0, 255, (size, size, 3), dtype=np.uint8))
        samples_out.labels.append(["cat", "dog", "bird"][(sample_in + k) % 3])
        samples_out.extra.caption.append(f"sample {sample_in}/{k}")
        samples_out.extra.attrs.append({"i": int(sample_in), "k": k})


@deeplake.compute
def brighten(sample_in, samples_out, amount):
    samples_out.images.append(np.clip(sample_in.images.numpy().astype(int) + amount, 0, 255))
    samples_out.labels.append(sample_in.labels.value)
    samples_out.extra.caption.append(sample_in["extra"].caption.text().upper())
    samples_out.extra.attrs.append(sample_in.extra.attrs.dict())


def _out(path, chunk=None):
    ds = deeplake.empty(path, overwrite=True)
    extra = {"max_chunk_size": chunk} if chunk else {}
    ds.create_tensor("images", dtype="uint8", sample_compression="lz4", **extra)
    ds.create_tensor("labels", htype="class_label")
    ds.create_group("extra")
    ds.extra.create_tensor("caption", htype="text")
    ds.extra.create_tensor("attrs", htype="json")
    return ds


def _contents(ds):
    return {
        "images": [a.tolist() for a in ds.images.numpy(aslist=True)],
        "labels": ds.labels.numpy().ravel().tolist(),
        "class_names": list(ds.labels.info.class_names),
        "text": ds.extra.caption.text(),
        "info": ds.extra.attrs.dict(),
    }


@pytest.mark.parametrize("chunk", [None, 1024])
def test_pipeline_output_identical_across_schedulers(tmp_path, chunk):
    """Identical output, also when workers write most image chunks (chunk=1024)."""
    pipeline = deeplake.compose([make_sample(size=6), brighten(amount=7)])
    data_in = list(range(60))
    results = {}
    for name in SCHEDULERS:
        ds = _out(str(tmp_path / name), chunk)
        pipeline.eval(data_in, ds, scheduler=name, num_workers=2, progressbar=False)
        results[name] = _contents(ds)
        if chunk and name != "serial":
            assert pipeline.last_report.worker_chunks > 0, name
        ds.check_integrity()
    ref = results["serial"]
    assert len(ref["labels"]) == sum(i % 3 for i in data_in)
    assert ref["text"][0] == "SAMPLE 1/0"
    for name in SCHEDULERS[1:]:
        assert results[name] == ref, name


@deeplake.compute
def ragged(sample_in, samples_out):
    rng = np.random.default_rng(sample_in)
    samples_out.v.append(rng.integers(0, 255, (int(rng.integers(300, 1500)), 3), dtype=np.uint8))
    samples_out.n.append(sample_in)


@pytest.mark.parametrize("scheduler", ["threaded", "processed"])
def test_workers_write_the_chunks_and_leave_no_small_ones(tmp_path, scheduler):
    """Workers store the full chunks; the coordinator only packs tails (for ``v``) and
    the tiny ``n`` tensor; every chunk but the last is at least the tail limit; no
    chunk in storage is unreferenced."""
    cap = 16384
    ds = deeplake.empty(str(tmp_path / "out"))
    ds.create_tensor("v", dtype="uint8", max_chunk_size=cap)
    ds.create_tensor("n", dtype="int64")
    f = ragged()
    f.eval(list(range(600)), ds, scheduler=scheduler, num_workers=2, progressbar=False)
    report = f.last_report
    engine = ds.v._engine
    stored = set(ds.storage.list_prefix(engine._chunk_prefix))
    assert stored == engine.chunk_keys()
    coord = len(ds.n._engine.chunk_keys())  # all tails: written by the coordinator
    assert report.worker_chunks + report.coordinator_chunks == len(stored) + coord
    assert report.worker_chunks > 4 * (report.coordinator_chunks - coord)
    assert report.coordinator_chunks - coord >= 1  # the packed tails
    raw = engine._c_raw.view.tolist()
    assert min(raw[:-1]) >= cap // 2, raw
    expected = ds.v.numpy(aslist=True)
    for i in (0, 299, 599):
        rng = np.random.default_rng(i)
        want = rng.integers(0, 255, (int(rng.integers(300, 1500)), 3), dtype=np.uint8)
        assert np.array_equal(expected[i], want)
    assert ds.n.numpy().ravel().tolist() == list(range(600))


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_seed_examples_with_each_scheduler(tmp_path, scheduler):
    @deeplake.compute
    def my_fn(sample_in, samples_out, my_arg0, my_arg1=0):
        samples_out.my_tensor.append(my_arg0 * my_arg1)

    @deeplake.compute
    def another_function(sample_in, samples_out, x):
        samples_out.my_tensor.append(sample_in.my_tensor.numpy() * x)

    data_in = list(range(8))
    ds_out = deeplake.empty(str(tmp_path / "out"))
    ds_out.create_tensor("my_tensor")
    my_fn(2, 5).eval(data_in, ds_out, scheduler=scheduler, num_workers=5, progressbar=False)
    pipeline = deeplake.compose([my_fn(3, 1), another_function(x=2)])
    pipeline.eval(data_in, ds_out, scheduler=scheduler, num_workers=2, progressbar=False)
    assert ds_out.my_tensor.numpy().ravel().tolist() == [10] * 8 + [6] * 8


def test_dataset_input_read_by_worker_processes(tmp_path):
    src = deeplake.empty(str(tmp_path / "src"))
    src.create_tensor("v")
    src.v.extend(np.arange(20).reshape(-1, 1))

    @deeplake.compute
    def copy_v(sample_in, samples_out):
        samples_out.v.append(sample_in.v.numpy() + 1)

    out = deeplake.empty(str(tmp_path / "out"))
    out.create_tensor("v")
    copy_v().eval(src[5:15], out, scheduler="processed", num_workers=2, progressbar=False)
    assert out.v.numpy().ravel().tolist() == list(range(6, 16))


def test_processed_runs_closures_and_lambdas(tmp_path):
    offset = 1000
    fn = deeplake.compute(lambda s, out: out.x.append(np.asarray([s + offset])))
    ds = deeplake.empty(str(tmp_path / "out"))
    ds.create_tensor("x")
    fn().eval(list(range(10)), ds, scheduler="processed", num_workers=2, progressbar=False)
    assert ds.x.numpy().ravel().tolist() == list(range(1000, 1010))


def test_memory_datasets_need_shared_memory(tmp_path):
    mem = deeplake.empty(f"mem://sched-{uuid.uuid4().hex}")
    mem.create_tensor("x")
    fn = deeplake.compute(lambda s, out: out.x.append(np.asarray([s])))
    with pytest.raises(InvalidOutputDatasetError, match="in memory"):
        fn().eval([1], mem, scheduler="processed", num_workers=2, progressbar=False)
    fn().eval([1, 2], mem, scheduler="threaded", num_workers=2, progressbar=False)
    disk = deeplake.empty(str(tmp_path / "out"))
    disk.create_tensor("x")
    with pytest.raises(InvalidInputDataError):
        fn().eval(mem, disk, scheduler="processed", num_workers=2, progressbar=False)


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot pickle this")


@deeplake.compute
def bad_sample(sample_in, samples_out):
    if sample_in == 13:
        raise Unpicklable("sample 13 is corrupt")
    samples_out.x.append(np.asarray([sample_in]))


def test_segment_the_tensor_cannot_take_is_rewritten_by_the_coordinator(tmp_path, monkeypatch):
    """Tasks handed out before the first result know no dtype: a worker that picks
    int64 while the tensor became float64 has its task re-run by the coordinator, and
    the output is what the serial run gives."""
    from deeplake_core.transform.evaluate import _Coordinator

    reruns = []
    original = _Coordinator._rerun
    monkeypatch.setattr(
        _Coordinator, "_rerun", lambda self, res: reruns.append(res.start) or original(self, res)
    )

    @deeplake.compute
    def mixed(sample_in, samples_out):
        if sample_in < 5:
            time.sleep(0.1)  # the float task finishes last but is applied first
        value = float(sample_in) if sample_in < 5 else int(sample_in)
        samples_out.x.append(np.asarray([value]))

    out = {}
    for name, workers in (("serial", 0), ("threaded", 2)):
        ds = deeplake.empty(str(tmp_path / name))
        ds.create_tensor("x", max_chunk_size=32)
        mixed().eval(list(range(80)), ds, scheduler=name, num_workers=workers, progressbar=False)
        out[name] = (ds.x.dtype, ds.x.numpy().ravel().tolist())
    assert out["threaded"] == out["serial"]
    assert out["serial"][0] == np.float64 and out["serial"][1] == list(range(80))
    assert reruns  # the int64 segments were refused and re-run


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_bad_sample_skipped_or_reported(tmp_path, scheduler):
    ds = deeplake.empty(str(tmp_path / "out"))
    ds.create_tensor("x", max_chunk_size=48)  # workers write chunks of 6 samples
    f = bad_sample()
    f.eval(
        list(range(30)),
        ds,
        scheduler=scheduler,
        num_workers=2,
        ignore_errors=True,
        progressbar=False,
    )
    assert ds.x.numpy().ravel().tolist() == [i for i in range(30) if i != 13]
    assert [i for i, _ in f.last_report.skipped] == [13]
    assert "sample 13 is corrupt" in f.last_report.skipped[0][1]
    with pytest.raises(TransformError) as info:
        bad_sample().eval(
            list(range(30)), ds, scheduler=scheduler, num_workers=2, progressbar=False
        )
    assert info.value.index == 13
    assert "sample 13 is corrupt" in str(info.value.__cause__)
    assert len(ds.x) == 29


def test_tasks_go_to_free_workers():
    """A slow first task does not hold back the other worker (no static slices)."""
    seen: dict[int, str] = {}

    @deeplake.compute
    def record(sample_in, samples_out):
        if sample_in == 0:
            time.sleep(0.5)
        seen[sample_in] = threading.current_thread().name
        samples_out.x.append(np.asarray([sample_in]))

    ds = deeplake.empty(f"mem://sched-{uuid.uuid4().hex}")
    ds.create_tensor("x")
    record().eval(list(range(64)), ds, scheduler="threaded", num_workers=2, progressbar=False)
    assert ds.x.numpy().ravel().tolist() == list(range(64))
    slow = seen[0]
    assert sum(1 for name in seen.values() if name != slow) > 40


# --------------------------------------------------------------------- killed workers

_KILLER = """
import os, signal
import numpy as np
import deeplake_core as deeplake

@deeplake.compute
def maybe_die(sample_in, samples_out, marker, die_at):
    if sample_in == die_at and not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    samples_out.x.append(np.asarray([sample_in]))
    samples_out.label.append(f"c{sample_in % 5}")
"""


def _killer_module(tmp_path):
    path = tmp_path / "killer_mod.py"
    path.write_text(textwrap.dedent(_KILLER))
    sys.path.insert(0, str(tmp_path))
    import importlib

    sys.modules.pop("killer_mod", None)
    return importlib.import_module("killer_mod")


def _expect(ds, n):
    assert ds.x.numpy().ravel().tolist() == list(range(n))
    assert ds.label.numpy().ravel().tolist() == [i % 5 for i in range(n)]
    assert list(ds.label.info.class_names) == [f"c{i}" for i in range(5)]


@pytest.mark.parametrize("chunk", [None, 64])
def test_killed_worker_then_resume(tmp_path, chunk):
    mod = _killer_module(tmp_path)
    try:
        path = str(tmp_path / "out")
        ds = deeplake.empty(path)
        ds.create_tensor("x", **({"max_chunk_size": chunk} if chunk else {}))
        ds.create_tensor("label", htype="class_label")
        marker = str(tmp_path / "died")
        fn = mod.maybe_die(marker, 57)
        with pytest.raises(TransformError):
            fn.eval(
                list(range(100)),
                ds,
                scheduler="processed",
                num_workers=2,
                checkpoint_interval=20,
                progressbar=False,
            )
        assert os.path.exists(marker)
        assert len(ds.x) in (0, 20, 40)  # a checkpoint before the killed sample
        reopened = deeplake.load(path)
        record = ckpt.read(reopened)
        assert (record["done"] if record else 0) == len(ds.x)
        fn.eval(
            list(range(100)),
            reopened,
            scheduler="processed",
            num_workers=2,
            checkpoint_interval=20,
            progressbar=False,
        )
        assert fn.last_report.resumed_from == len(ds.x)
        _expect(reopened, 100)
        reopened.check_integrity()
    finally:
        sys.path.remove(str(tmp_path))


_COORDINATOR = """
import sys, time
import numpy as np
import deeplake_core as deeplake

@deeplake.compute
def slow(sample_in, samples_out):
    time.sleep(0.01)
    samples_out.x.append(np.asarray([sample_in]))
    samples_out.label.append(f"c{sample_in % 5}")

if __name__ == "__main__":
    ds = deeplake.load(sys.argv[1])
    slow().eval(list(range(400)), ds, scheduler=sys.argv[2], num_workers=2,
                checkpoint_interval=20, progressbar=False)
"""


@pytest.mark.parametrize("scheduler", ["threaded", "processed"])
def test_killed_coordinator_then_resume(tmp_path, scheduler):
    path = str(tmp_path / "out")
    ds = deeplake.empty(path)
    ds.create_tensor("x")
    ds.create_tensor("label", htype="class_label")
    ds.close()
    script = tmp_path / "coord.py"
    script.write_text(textwrap.dedent(_COORDINATOR))
    proc = subprocess.Popen([sys.executable, str(script), path, scheduler], start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            time.sleep(0.2)
            try:
                probe = deeplake.load(path, read_only=True)
            except Exception:
                continue
            rec = ckpt.read(probe)
            if rec and rec["done"] >= 60:
                break
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode != 0, "the transform finished before it could be killed"
    sys.path.insert(0, str(tmp_path))
    try:
        import importlib

        sys.modules.pop("coord", None)
        coord = importlib.import_module("coord")
        reopened = deeplake.load(path)
        done = ckpt.read(reopened)["done"]
        assert len(reopened.x) == done
        f = coord.slow()
        f.eval(
            list(range(400)),
            reopened,
            scheduler=scheduler,
            num_workers=2,
            checkpoint_interval=20,
            progressbar=False,
        )
        assert f.last_report.resumed_from == done
        _expect(reopened, 400)
    finally:
        sys.path.remove(str(tmp_path))

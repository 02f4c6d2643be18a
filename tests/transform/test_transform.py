"""Transforms in the kernel: compute/compose, samples_out, eval's checks and errors,
ignore_errors, rollback, checkpoints and resume, in-place transforms, and the
scheduler plugin contract (with an in-process scheduler plugin)."""

from __future__ import annotations

import concurrent.futures as cf
import logging
import threading
import uuid

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    HubComposeEmptyListError,
    HubComposeIncompatibleFunction,
    InvalidInputDataError,
    InvalidOutputDatasetError,
    InvalidTransformDataset,
    TensorMismatchError,
    TransformError,
    UnsupportedSchedulerError,
)
from deeplake_core.plugins import hookimpl, register
from deeplake_core.plugins.specs import SchedulerSpec
from deeplake_core.transform import (
    ComputeFunction,
    EncodedOutput,
    Pipeline,
    Scheduler,
    TransformDataset,
    get_scheduler,
)
from deeplake_core.transform import checkpoint as ckpt
from deeplake_core.transform.job import OutputSchema, Task, TransformJob


def mem() -> deeplake.Dataset:
    return deeplake.empty(f"mem://transform-{uuid.uuid4().hex}")


def local(tmp_path, name="ds") -> deeplake.Dataset:
    return deeplake.empty(str(tmp_path / name))


@deeplake.compute
def scale(sample_in, samples_out, factor=1):
    samples_out.x.append(np.asarray([sample_in * factor], dtype=np.int64))


@deeplake.compute
def with_label(sample_in, samples_out):
    samples_out.x.append(np.asarray([sample_in], dtype=np.int64))
    samples_out.label.append(f"c{sample_in % 3}")


# --------------------------------------------------------------------- API shapes


def test_compute_binds_arguments_and_compose_builds_pipeline():
    f = scale(factor=3)
    assert isinstance(f, ComputeFunction) and f.kwargs == {"factor": 3}
    p = deeplake.compose([scale(2), with_label()])
    assert isinstance(p, Pipeline) and len(p) == 2
    assert deeplake.compose([p, scale()]).functions[-1].name.endswith("scale")
    with pytest.raises(HubComposeEmptyListError):
        deeplake.compose([])
    with pytest.raises(HubComposeIncompatibleFunction) as info:
        deeplake.compose([scale(), scale])
    assert info.value.index == 1
    with pytest.raises(TypeError, match="sample_in, samples_out"):
        deeplake.compute(lambda x: x)


def test_reference_module_path():
    from deeplake_core.core.transform import Pipeline as P

    assert P is Pipeline


def test_seed_example_compute_and_compose():
    """The documented examples: my_fn(arg0, arg1).eval(...) and a composed pipeline."""

    @deeplake.compute
    def my_fn(sample_in, samples_out, my_arg0, my_arg1=0):
        samples_out.my_tensor.append(my_arg0 * my_arg1)

    @deeplake.compute
    def another_function(sample_in, samples_out, x):
        samples_out.my_tensor.append(sample_in.my_tensor.numpy() * x)

    data_in = list(range(10))
    ds_out = mem()
    ds_out.create_tensor("my_tensor")
    my_fn(2, 3).eval(data_in, ds_out, scheduler="threaded", num_workers=0, progressbar=False)
    assert ds_out.my_tensor.numpy().ravel().tolist() == [6] * 10
    pipeline = deeplake.compose([my_fn(3, 1), another_function(x=2)])
    pipeline.eval(data_in, ds_out, num_workers=0, progressbar=False)
    assert ds_out.my_tensor.numpy().ravel().tolist() == [6] * 10 + [6] * 10


def test_samples_out_access_forms():
    out = TransformDataset(frozenset({"g"}))
    out.a.append(1)
    out["b"].extend([2, 3])
    out.append({"c": 4})
    out.g.t.append(5)
    out["g/u"].append(6)
    out.extend({"d": [7, 8]})
    assert out.written() == {"a": [1], "b": [2, 3], "c": [4], "g/t": [5], "g/u": [6], "d": [7, 8]}
    with pytest.raises(InvalidTransformDataset):
        len(out)
    with pytest.raises(InvalidTransformDataset):
        out.extend({"e": [1], "f": [1, 2]})
    with pytest.raises(AttributeError):
        out.a = 3
    with pytest.raises(TypeError):
        out.a.extend("abc")
    row_src = TransformDataset(frozenset({"g"}))
    row_src.x.extend([np.ones(2), np.zeros(2)])
    row_src.g.y.extend(["p", "q"])
    rows = list(row_src)
    assert rows[1].x.numpy().tolist() == [0, 0] and rows[0]["g"].y.text() == "p"
    assert rows[0].keys() == ["g/y", "x"]
    with pytest.raises(AttributeError):
        rows[0].nope  # noqa: B018


# --------------------------------------------------------------------- eval basics


def test_inputs_of_every_kind_and_append_to_filled_output():
    src = mem()
    src.create_tensor("v")
    src.v.extend(np.arange(6))

    class Seq:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i * 10

    @deeplake.compute
    def take(sample_in, samples_out):
        v = sample_in.v.numpy() if hasattr(sample_in, "v") else sample_in
        samples_out.x.append(np.asarray(v, dtype=np.int64).reshape(1))

    ds = mem()
    ds.create_tensor("x")
    take().eval([1, 2], ds, progressbar=False)
    take().eval(np.array([3, 4]), ds, progressbar=False)
    take().eval(src, ds, progressbar=False)
    take().eval(src[2:4], ds, progressbar=False)
    take().eval(Seq(), ds, progressbar=False)
    assert ds.x.numpy().ravel().tolist() == [1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 2, 3, 0, 10, 20, 30]


def test_one_input_many_or_no_outputs_keeps_order():
    @deeplake.compute
    def repeat(sample_in, samples_out):
        for _ in range(sample_in % 3):
            samples_out.x.append(np.asarray([sample_in]))

    ds = mem()
    ds.create_tensor("x")
    repeat().eval(list(range(9)), ds, progressbar=False)
    assert ds.x.numpy().ravel().tolist() == [1, 2, 2, 4, 5, 5, 7, 8, 8]


def test_groups_and_class_labels():
    @deeplake.compute
    def fn(sample_in, samples_out):
        samples_out.g.img.append(np.full((2, 2), sample_in, dtype=np.uint8))
        samples_out["g/lbl"].append(["b", "a"][sample_in % 2])

    ds = mem()
    ds.create_group("g")
    ds.g.create_tensor("img")
    ds.g.create_tensor("lbl", htype="class_label")
    fn().eval(list(range(4)), ds, progressbar=False)
    assert ds.g.lbl.info.class_names == ["b", "a"]
    assert ds.g.lbl.numpy().ravel().tolist() == [0, 1, 0, 1]

    @deeplake.compute
    def in_group(sample_in, samples_out):
        samples_out.img.append(np.zeros((2, 2), dtype=np.uint8))
        samples_out.lbl.append("c")

    in_group().eval(list(range(2)), ds.g, progressbar=False)  # a group as ds_out
    assert len(ds.g.img) == 6 and ds.g.lbl.info.class_names == ["b", "a", "c"]


def test_sample_compressed_outputs_are_encoded_in_the_worker():
    schema = OutputSchema(frozenset({"x"}), frozenset())
    ds = mem()
    ds.create_tensor("x", sample_compression="lz4")
    t = ds.x
    schema.encode["x"] = (t._cfg.model_dump(mode="json"), dict(t._entry.info))
    job = TransformJob([scale(2)], None, schema)
    res = job.run(Task(0, 0, 3, [1, 2, 3]))
    encoded = [v for _, w in res.samples for v in w["x"]]
    assert all(isinstance(v, EncodedOutput) for v in encoded)
    assert encoded[2].array.tolist() == [6]
    scale(2).eval([1, 2, 3], ds, progressbar=False)
    assert ds.x.numpy().ravel().tolist() == [2, 4, 6]


def test_no_tail_chunks_left_behind():
    """Many small tasks pack into the same chunks as one extend of all the data."""
    ds = mem()
    ds.create_tensor("x", max_chunk_size=4096)
    scale(1).eval(list(range(3000)), ds, progressbar=False)
    ref = mem()
    ref.create_tensor("x", max_chunk_size=4096)
    ref.x.extend(np.arange(3000, dtype=np.int64).reshape(-1, 1))
    ds.flush()
    ref.flush()
    assert np.array_equal(ds.x.numpy(), ref.x.numpy())
    assert len(ds.x._engine.chunk_keys()) == len(ref.x._engine.chunk_keys())


# --------------------------------------------------------------------- errors


def test_documented_errors():
    ds = mem()
    ds.create_tensor("x")
    with pytest.raises(InvalidInputDataError):
        scale().eval(5, ds, progressbar=False)
    with pytest.raises(InvalidOutputDatasetError):
        scale().eval([1], None, progressbar=False)
    with pytest.raises(UnsupportedSchedulerError):
        scale().eval([1], ds, scheduler="nope", num_workers=2, progressbar=False)
    with pytest.raises(ValueError, match="multiple of num_workers"):
        scale().eval([1], ds, num_workers=2, checkpoint_interval=3, progressbar=False)
    with pytest.raises(ValueError, match="needs an output dataset"):
        scale().eval(ds, None, checkpoint_interval=2, progressbar=False)
    ds.create_tensor("y")
    ds.y.append([1])
    with pytest.raises(InvalidOutputDatasetError, match="one length"):
        scale().eval([1], ds, progressbar=False)
    with pytest.raises(TensorMismatchError):  # y not written
        scale().eval([1], ds, check_lengths=False, progressbar=False)
    scale().eval([1, 2], ds, check_lengths=False, skip_ok=True, progressbar=False)
    assert len(ds.x) == 2 and len(ds.y) == 1

    @deeplake.compute
    def extra(sample_in, samples_out):
        samples_out.zzz.append(1)

    with pytest.raises(TensorMismatchError, match="zzz"):
        extra().eval([1], ds, skip_ok=True, check_lengths=False, progressbar=False)

    @deeplake.compute
    def uneven(sample_in, samples_out):
        samples_out.x.append(1)
        samples_out.x.append(2)
        samples_out.y.append(1)

    with pytest.raises(InvalidTransformDataset) as info:
        uneven().eval([5, 6], ds, check_lengths=False, progressbar=False)
    assert info.value.index == 5 - 5  # first input sample


def test_read_only_output(tmp_path):
    ds = local(tmp_path)
    ds.create_tensor("x")
    ds.flush()
    ro = deeplake.load(str(tmp_path / "ds"), read_only=True)
    with pytest.raises(InvalidOutputDatasetError, match="read-only"):
        scale().eval([1], ro, progressbar=False)


@deeplake.compute
def fail_on_7(sample_in, samples_out):
    if sample_in == 7:
        raise ValueError("bad sample")
    samples_out.x.append(np.asarray([sample_in]))


def test_transform_error_carries_index_and_rolls_back(tmp_path):
    ds = local(tmp_path)
    ds.create_tensor("x")
    ds.x.extend(np.asarray([[100]]))
    with pytest.raises(TransformError) as info:
        fail_on_7().eval(list(range(10)), ds, progressbar=False)
    err = info.value
    assert err.index == 7 and err.sample == 7 and err.samples_processed == 7
    assert isinstance(err.__cause__, ValueError)
    assert "ignore_errors=True" in str(err)
    assert ds.x.numpy().ravel().tolist() == [100]  # nothing of the failed run kept
    again = deeplake.load(str(tmp_path / "ds"))
    assert again.x.numpy().ravel().tolist() == [100]


def test_ignore_errors_skips_and_reports(caplog):
    ds = mem()
    ds.create_tensor("x")
    f = fail_on_7()
    with caplog.at_level(logging.WARNING, logger="deeplake"):
        f.eval(list(range(10)), ds, ignore_errors=True, progressbar=False)
    assert ds.x.numpy().ravel().tolist() == [0, 1, 2, 3, 4, 5, 6, 8, 9]
    assert [i for i, _ in f.last_report.skipped] == [7]
    assert "bad sample" in f.last_report.skipped[0][1]
    assert "skipped 1 input sample" in caplog.text


def test_ignore_errors_covers_samples_the_dataset_refuses():
    """A sample that only fails when written (wrong rank) is skipped too."""

    @deeplake.compute
    def ragged(sample_in, samples_out):
        shape = (2, 2) if sample_in == 3 else (2,)
        samples_out.x.append(np.zeros(shape))

    ds = mem()
    ds.create_tensor("x")
    f = ragged()
    f.eval(list(range(6)), ds, ignore_errors=True, progressbar=False)
    assert len(ds.x) == 5 and [i for i, _ in f.last_report.skipped] == [3]
    ds2 = mem()
    ds2.create_tensor("x")
    with pytest.raises(TransformError) as info:
        ragged().eval(list(range(6)), ds2, progressbar=False)
    assert info.value.index == 3 and len(ds2.x) == 0


# --------------------------------------------------------------------- checkpoints


_FAIL_AT: dict[str, int | None] = {"index": None}


@deeplake.compute
def flaky(sample_in, samples_out):
    if sample_in == _FAIL_AT["index"]:
        raise RuntimeError("transient failure")
    samples_out.x.append(np.asarray([sample_in]))
    samples_out.label.append(f"c{sample_in % 4}")


def _labels_ds(tmp_path):
    ds = local(tmp_path)
    ds.create_tensor("x")
    ds.create_tensor("label", htype="class_label")
    return ds


def test_checkpoint_then_resume_after_transform_error(tmp_path):
    ds = _labels_ds(tmp_path)
    _FAIL_AT["index"] = 23
    try:
        with pytest.raises(TransformError) as info:
            flaky().eval(list(range(40)), ds, checkpoint_interval=10, progressbar=False)
    finally:
        _FAIL_AT["index"] = None
    assert info.value.index == 23
    assert len(ds.x) == 20  # reset to the last checkpoint
    reopened = deeplake.load(str(tmp_path / "ds"))
    assert ckpt.read(reopened)["done"] == 20
    f = flaky()
    f.eval(list(range(40)), reopened, checkpoint_interval=10, progressbar=False)
    assert f.last_report.resumed_from == 20 and f.last_report.inputs == 20
    assert reopened.x.numpy().ravel().tolist() == list(range(40))
    assert reopened.label.numpy().ravel().tolist() == [i % 4 for i in range(40)]
    assert ckpt.read(reopened) is None  # finished: the record is gone
    # a later identical eval appends again (no stale resume)
    flaky().eval(list(range(40)), reopened, checkpoint_interval=10, progressbar=False)
    assert len(reopened.x) == 80


def test_stale_checkpoint_is_ignored(tmp_path):
    ds = _labels_ds(tmp_path)
    _FAIL_AT["index"] = 15
    try:
        with pytest.raises(TransformError):
            flaky().eval(list(range(30)), ds, checkpoint_interval=10, progressbar=False)
    finally:
        _FAIL_AT["index"] = None
    ds.extend({"x": [np.asarray([-1])], "label": ["c0"]})  # another write since
    f = flaky()
    f.eval(list(range(30)), ds, checkpoint_interval=10, progressbar=False)
    assert f.last_report.resumed_from == 0 and len(ds.x) == 10 + 1 + 30


def test_checkpoint_commits_when_version_control_exists(tmp_path, monkeypatch):
    from deeplake_core.core.dataset import Dataset

    messages = []
    monkeypatch.setattr(
        Dataset,
        "commit",
        lambda self, message=None, allow_empty=False: messages.append(message),
        raising=False,
    )
    ds = _labels_ds(tmp_path)
    flaky().eval(list(range(25)), ds, checkpoint_interval=10, progressbar=False)
    assert len(messages) == 2 and "10 of 25" in messages[0]


# --------------------------------------------------------------------- in place


def test_in_place_transform(tmp_path):
    ds = local(tmp_path)
    ds.create_tensor("x")
    ds.create_tensor("keep")
    ds.extend({"x": np.arange(5).reshape(-1, 1), "keep": np.arange(5).reshape(-1, 1)})

    @deeplake.compute
    def double_x(sample_in, samples_out):
        samples_out.x.append(sample_in.x.numpy() * 2)

    double_x().eval(ds, None, skip_ok=True, progressbar=False)
    assert ds.x.numpy().ravel().tolist() == [0, 2, 4, 6, 8]
    assert ds.keep.numpy().ravel().tolist() == [0, 1, 2, 3, 4]
    assert sorted(ds.tensors) == ["keep", "x"]

    @deeplake.compute
    def broken(sample_in, samples_out):
        raise KeyError("no")

    with pytest.raises(TransformError):
        broken().eval(ds, None, progressbar=False)
    assert sorted(ds.tensors) == ["keep", "x"] and len(ds.x) == 5


def test_pad_data_in():
    src = mem()
    src.create_tensor("a")
    src.create_tensor("b")
    src.a.extend(np.arange(3).reshape(-1, 1))
    src.b.extend(np.arange(1).reshape(-1, 1))

    @deeplake.compute
    def count(sample_in, samples_out):
        samples_out.x.append(np.asarray([1]))

    ds = mem()
    ds.create_tensor("x")
    count().eval(src, ds, progressbar=False)
    n_plain = len(ds.x)
    count().eval(src, ds, pad_data_in=True, progressbar=False)
    assert n_plain == len(src) and len(ds.x) - n_plain == 3


def test_progressbar_runs(capsys):
    pytest.importorskip("tqdm")
    ds = mem()
    ds.create_tensor("x")
    scale().eval(list(range(50)), ds)  # progressbar on by default
    assert len(ds.x) == 50


# --------------------------------------------------------------------- scheduler contract


class RecordingScheduler(Scheduler):
    """A minimal scheduler plugin: a thread pool that records who ran what."""

    shares_memory = True
    ran: list[tuple[str, int]] = []

    def start(self, job):
        self._job = job
        self._pool = cf.ThreadPoolExecutor(self.num_workers)

    def submit(self, task):
        def run():
            RecordingScheduler.ran.append((threading.current_thread().name, task.start))
            return self._job.run(task)

        return self._pool.submit(run)

    def shutdown(self, cancel=False):
        self._pool.shutdown(wait=True, cancel_futures=cancel)


class _SchedPlugin:
    @staticmethod
    @hookimpl
    def register_schedulers():
        return [SchedulerSpec(name="recording", impl=f"{__name__}:RecordingScheduler")]


def test_scheduler_plugin_contract():
    RecordingScheduler.ran = []
    with register(_SchedPlugin, name="recording-test"):
        assert isinstance(get_scheduler("recording", 2), RecordingScheduler)
        assert type(get_scheduler("recording", 0)).__name__ == "InlineScheduler"
        ds = mem()
        ds.create_tensor("x")
        ds.create_tensor("label", htype="class_label")
        with_label().eval(
            list(range(200)), ds, scheduler="recording", num_workers=2, progressbar=False
        )
    assert ds.x.numpy().ravel().tolist() == list(range(200))
    assert ds.label.info.class_names == ["c0", "c1", "c2"]
    starts = sorted(s for _, s in RecordingScheduler.ran)
    assert len(starts) > 2 and starts[0] == 0  # many small tasks, not one slice per worker


def test_storage_failure_is_not_skipped_and_run_resumes(tmp_path, monkeypatch):
    """An I/O error while writing stops the run even with ignore_errors; the re-run
    resumes from the checkpoint and the dataset ends up exactly as expected."""
    from deeplake_core.core.tensor import Tensor

    ds = _labels_ds(tmp_path)
    real_extend = Tensor.extend
    calls = {"n": 0}

    def failing_extend(self, samples, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 9:
            raise OSError("503 SlowDown")
        return real_extend(self, samples, *args, **kwargs)

    monkeypatch.setattr(Tensor, "extend", failing_extend)
    f = flaky()
    with pytest.raises(TransformError) as info:
        f.eval(list(range(30)), ds, checkpoint_interval=5, ignore_errors=True, progressbar=False)
    assert isinstance(info.value.__cause__, OSError)
    monkeypatch.setattr(Tensor, "extend", real_extend)
    done = ckpt.read(ds)["done"]
    assert 0 < done < 30 and len(ds.x) == done
    f.eval(list(range(30)), ds, checkpoint_interval=5, ignore_errors=True, progressbar=False)
    assert f.last_report.resumed_from == done and not f.last_report.skipped
    assert ds.x.numpy().ravel().tolist() == list(range(30))


@deeplake.compute
def rows_from_spec(sample_in, samples_out):
    count, bad = sample_in
    if bad:
        raise ValueError("bad input")
    for k in range(count):
        samples_out.x.append(np.asarray([count * 10 + k]))


@settings(max_examples=25, deadline=None)
@given(
    spec=st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=60),
    workers=st.sampled_from([0, 2]),
)
def test_output_matches_sequential_model(spec, workers):
    """Whatever the rows per input and the failing inputs, the output is the
    in-order concatenation of the good inputs' rows, on the inline and a parallel
    scheduler alike."""
    RecordingScheduler.ran = []
    with register(_SchedPlugin, name=f"recording-{uuid.uuid4().hex[:6]}"):
        ds = mem()
        ds.create_tensor("x", max_chunk_size=32)  # workers write chunks of 4 rows
        f = rows_from_spec()
        f.eval(
            spec,
            ds,
            scheduler="recording",
            num_workers=workers,
            ignore_errors=True,
            progressbar=False,
        )
    expected = [c * 10 + k for c, bad in spec if not bad for k in range(c)]
    assert [int(v[0]) for v in ds.x.numpy(aslist=True)] == expected
    raw = ds.x._engine._c_raw.view.tolist()
    assert all(r >= 16 for r in raw[:-1])  # no chunk below the tail limit but the last
    assert [i for i, _ in f.last_report.skipped] == [i for i, (_, b) in enumerate(spec) if b]


def test_skipped_sample_leaves_no_class_name_behind():
    @deeplake.compute
    def labelled(sample_in, samples_out):
        samples_out.label.append(f"n{sample_in}")
        samples_out.x.append(np.zeros((2, 2) if sample_in == 2 else (2,)))

    ds = mem()
    ds.create_tensor("x")
    ds.create_tensor("label", htype="class_label")
    labelled().eval(list(range(4)), ds, ignore_errors=True, progressbar=False)
    assert ds.label.info.class_names == ["n0", "n1", "n3"]
    assert ds.label.numpy().ravel().tolist() == [0, 1, 2]

"""The ray scheduler on a local Ray cluster with 2 CPUs started by these tests: the
same output as serial, the documented examples, a bad sample, and a killed actor
followed by a resume. Deselect with ``-m "not ray"``; skipped when ray is missing."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import TransformError
from deeplake_core.transform import checkpoint as ckpt

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module", autouse=True)
def ray_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@deeplake.compute
def make_sample(sample_in, samples_out, size):
    rng = np.random.default_rng(sample_in)
    for k in range(sample_in % 3):
        samples_out.images.append(rng.integers(0, 255, (size, size, 3), dtype=np.uint8))
        samples_out.labels.append(["cat", "dog", "bird"][(sample_in + k) % 3])
        samples_out.caption.append(f"sample {sample_in}/{k}")


@deeplake.compute
def shift(sample_in, samples_out, amount):
    samples_out.images.append(sample_in.images.numpy() // 2 + amount)
    samples_out.labels.append(sample_in.labels.value)
    samples_out.caption.append(sample_in.caption.text().upper())


def _out(path, chunk=None):
    ds = deeplake.empty(path, overwrite=True)
    extra = {"max_chunk_size": chunk} if chunk else {}
    ds.create_tensor("images", dtype="uint8", sample_compression="lz4", **extra)
    ds.create_tensor("labels", htype="class_label")
    ds.create_tensor("caption", htype="text")
    return ds


def _contents(ds):
    return (
        [a.tolist() for a in ds.images.numpy(aslist=True)],
        ds.labels.numpy().ravel().tolist(),
        list(ds.labels.info.class_names),
        ds.caption.text(),
    )


@pytest.mark.parametrize("chunk", [None, 512])
def test_ray_output_identical_to_serial(tmp_path, chunk):
    """Identical output, also when the actors write most image chunks (chunk=512)."""
    pipeline = deeplake.compose([make_sample(size=5), shift(amount=3)])
    data_in = list(range(50))
    ref = _out(str(tmp_path / "serial"), chunk)
    pipeline.eval(data_in, ref, scheduler="serial", num_workers=2, progressbar=False)
    ds = _out(str(tmp_path / "ray"), chunk)
    pipeline.eval(data_in, ds, scheduler="ray", num_workers=2, progressbar=False)
    assert _contents(ds) == _contents(ref)
    assert len(ds.labels) == sum(i % 3 for i in data_in)
    if chunk:
        assert pipeline.last_report.worker_chunks > 0
    ds.check_integrity()


def test_seed_examples_on_ray(tmp_path):
    @deeplake.compute
    def my_fn(sample_in, samples_out, my_arg0, my_arg1=0):
        samples_out.my_tensor.append(my_arg0 * my_arg1)

    @deeplake.compute
    def another_function(sample_in, samples_out, x):
        samples_out.my_tensor.append(sample_in.my_tensor.numpy() * x)

    data_in = list(range(8))
    ds_out = deeplake.empty(str(tmp_path / "out"))
    ds_out.create_tensor("my_tensor")
    my_fn(2, 5).eval(data_in, ds_out, scheduler="ray", num_workers=5, progressbar=False)
    pipeline = deeplake.compose([my_fn(3, 1), another_function(x=2)])
    pipeline.eval(data_in, ds_out, scheduler="ray", num_workers=2, progressbar=False)
    assert ds_out.my_tensor.numpy().ravel().tolist() == [10] * 8 + [6] * 8


@deeplake.compute
def bad_sample(sample_in, samples_out):
    if sample_in == 11:
        raise ValueError("sample 11 is corrupt")
    samples_out.x.append(np.asarray([sample_in]))


def test_bad_sample_on_ray(tmp_path):
    ds = deeplake.empty(str(tmp_path / "out"))
    ds.create_tensor("x")
    f = bad_sample()
    f.eval(
        list(range(25)), ds, scheduler="ray", num_workers=2, ignore_errors=True, progressbar=False
    )
    assert ds.x.numpy().ravel().tolist() == [i for i in range(25) if i != 11]
    assert [i for i, _ in f.last_report.skipped] == [11]
    with pytest.raises(TransformError) as info:
        bad_sample().eval(list(range(25)), ds, scheduler="ray", num_workers=2, progressbar=False)
    assert info.value.index == 11 and len(ds.x) == 24


@deeplake.compute
def die_once(sample_in, samples_out, marker, die_at):
    if sample_in == die_at and not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    samples_out.x.append(np.asarray([sample_in]))
    samples_out.label.append(f"c{sample_in % 4}")


def test_killed_actor_then_resume(tmp_path):
    path = str(tmp_path / "out")
    ds = deeplake.empty(path)
    ds.create_tensor("x", max_chunk_size=64)  # the actors write chunks of 8 samples
    ds.create_tensor("label", htype="class_label")
    fn = die_once(str(tmp_path / "died"), 45)
    with pytest.raises(TransformError):
        fn.eval(
            list(range(80)),
            ds,
            scheduler="ray",
            num_workers=2,
            checkpoint_interval=20,
            progressbar=False,
        )
    assert len(ds.x) in (0, 20, 40)  # a checkpoint before the killed sample
    reopened = deeplake.load(path)
    record = ckpt.read(reopened)
    assert (record["done"] if record else 0) == len(ds.x)
    fn.eval(
        list(range(80)),
        reopened,
        scheduler="ray",
        num_workers=2,
        checkpoint_interval=20,
        progressbar=False,
    )
    assert fn.last_report.resumed_from == len(ds.x)
    assert reopened.x.numpy().ravel().tolist() == list(range(80))
    assert reopened.label.numpy().ravel().tolist() == [i % 4 for i in range(80)]


def test_copy_and_filter_on_ray(tmp_path):
    src = deeplake.empty(str(tmp_path / "src"))
    src.create_tensor("x", max_chunk_size=64)
    src.create_tensor("label", htype="class_label", class_names=["a", "b"])
    src.x.extend(np.arange(200).reshape(-1, 1))
    src.label.extend(np.arange(200) % 2)
    kept = src.filter(
        lambda s: int(s.x.numpy()[0]) % 3 == 0, num_workers=2, scheduler="ray", progressbar=False
    )
    assert list(kept.sample_indices) == list(range(0, 200, 3))
    out = kept.copy(str(tmp_path / "out"), num_workers=2, scheduler="ray", progressbar=False)
    assert out.x.numpy().ravel().tolist() == list(range(0, 200, 3))
    assert out.label.numpy().ravel().tolist() == [i % 2 for i in range(0, 200, 3)]
    assert list(out.label.info.class_names) == ["a", "b"]

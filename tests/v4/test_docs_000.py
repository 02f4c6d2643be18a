"""The code examples of the Deep Lake 4 dataset-classes page, with local and mem://
paths in place of s3://, and the results they document."""

from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import ReadOnlyModeError

from .conftest import has_htype

image_array = np.random.default_rng(1).integers(0, 255, (20, 20, 3), dtype=np.uint8)


@pytest.mark.skipif(not has_htype("image"), reason="image htype plugin not installed")
def test_dataset_class_example(tmp_path):
    path = str(tmp_path / "dataset")
    ds = deeplake.create(path)
    ds.add_column("images", deeplake.types.Image())
    ds.add_column("labels", deeplake.types.ClassLabel("int32"))
    ds.add_column("confidence", "float32")
    ds["labels"].metadata["class_names"] = ["cat", "dog"]
    ds.append([{"images": image_array, "labels": 0, "confidence": 0.9}])
    ds.commit()
    assert isinstance(ds, deeplake.Dataset)
    ds = deeplake.open(path)
    assert isinstance(ds, deeplake.Dataset)
    assert np.array_equal(ds["images"][0], image_array)
    assert ds["labels"][0] == 0 and ds["confidence"][0] == np.float32(0.9)
    assert ds["labels"].metadata["class_names"] == ["cat", "dog"]
    assert len(ds.history) == 1


def test_read_only_dataset_example(animals):
    ds = deeplake.open_read_only(animals)
    assert isinstance(ds, deeplake.ReadOnlyDataset)
    image = ds["images"][0]
    assert image.shape == (8, 8, 3) and image.dtype == np.uint8
    metadata = ds.metadata
    assert isinstance(metadata, deeplake.ReadOnlyMetadata)
    with pytest.raises(ReadOnlyModeError):
        ds.append([{"labels": 1}])


def test_dataset_view_example(animals):
    ds = deeplake.open(animals)
    view = ds.query("SELECT *")
    assert isinstance(view, deeplake.DatasetView) and len(view) == 6
    assert np.array_equal(view["images"][0], ds["images"][0])
    pytest.importorskip("torch")
    assert view.pytorch() is not None


def test_querying_examples(animals):
    ds = deeplake.open(animals)
    results = ds.query("SELECT * WHERE labels = 'cat'")
    assert list(results["labels"][:]) == [0, 0, 0]
    ds = deeplake.open_read_only(animals)
    results = ds.query("SELECT * WHERE labels = 'cat'")
    assert len(results) == 3
    view = ds.query("SELECT * WHERE labels = 'cat'")
    subset = view.query("SELECT * WHERE confidence > 0.9")
    assert isinstance(subset, deeplake.DatasetView)
    assert subset.sample_indices == [0, 2]
    np.testing.assert_allclose(subset["confidence"][:], [0.95, 0.91], rtol=1e-6)


def test_data_access_examples(animals):
    for ds in (
        deeplake.open(animals),
        deeplake.open_read_only(animals),
        deeplake.open_read_only(animals).query("SELECT * WHERE labels = 'dog'"),
    ):
        seen = []
        for row in ds:
            image = row["images"]
            label = row["labels"]
            assert image.shape == (8, 8, 3)
            seen.append(int(label))
        images = ds["images"][:]
        labels = ds["labels"][:]
        assert images.shape == (len(ds), 8, 8, 3)
        assert list(labels) == seen


def test_import_export_examples(tmp_path, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    monkeypatch.chdir(tmp_path)
    pq.write_table(
        pa.table({"labels": ["cat", "dog", "cat"], "confidence": [0.95, 0.5, 0.2]}), "data.parquet"
    )
    ds = deeplake.from_parquet("data.parquet")
    f = open("data.parquet", "rb")  # noqa: SIM115 - as in the docs
    ds = deeplake.from_parquet(f.read())
    f.close()
    assert ds["labels"][:] == ["cat", "dog", "cat"]
    with open("data.csv", "w") as out:
        out.write("labels,confidence\ncat,0.95\ndog,0.5\ncat,0.2\n")
    ds = deeplake.from_csv("data.csv")
    f = open("data.csv", "rb")  # noqa: SIM115
    ds = deeplake.from_csv(f.read())
    f.close()
    view = ds.query("SELECT * WHERE labels = 'cat'")
    output = io.StringIO()
    view.to_csv(output)
    csv_data = output.getvalue()
    assert csv_data.splitlines() == ["labels,confidence", "cat,0.95", "cat,0.2"]


def test_async_examples(animals, tmp_path):
    ds = deeplake.open(animals)
    future = ds.query_async("SELECT * WHERE labels = 'cat'")
    results = future.result()
    assert len(results) == 3 and future.is_completed()
    future = ds["images"].get_async(slice(0, 1000))
    images = future.result()
    assert images.shape == (6, 8, 8, 3)
    ds.append([{"labels": 1, "confidence": 0.1, "images": np.zeros((8, 8, 3), np.uint8)}])
    future = ds.commit_async("Updated model predictions")
    future.wait()
    assert ds.history[-1].message == "Updated model predictions"
    backup = str(tmp_path / "backup")
    ds.push_async(backup).wait()
    assert deeplake.open_read_only(backup)["labels"][:].tolist() == ds["labels"][:].tolist()
    ds.pull_async(backup).wait()
    assert len(ds) == 7

    async def main() -> int:
        view = await ds.query_async("SELECT * WHERE labels = 'dog'")
        return len(view)

    assert asyncio.run(main()) == 4


def test_dataset_management_examples(tmp_path):
    path = str(tmp_path / "dataset")
    if deeplake.exists(path):
        pytest.fail("nothing exists there yet")
    else:
        ds = deeplake.create(path)
    assert deeplake.exists(path)
    ds = deeplake.open(path)
    ds.auto_commit_enabled = True  # Enable automatic commits
    ds.add_column("x", "int32")
    ds.append([{"x": 1}])
    assert len(ds.history) == 2  # add_column and append were committed
    ds.refresh()
    del ds
    deeplake.delete(path)
    assert not deeplake.exists(path)


def test_advanced_query_examples(animals):
    results = deeplake.query(f"SELECT * FROM '{animals}' WHERE confidence > 0.9")
    assert isinstance(results, deeplake.DatasetView) and results.sample_indices == [0, 2, 3]
    future = deeplake.query_async(f"SELECT * FROM '{animals}' LIMIT 1000")
    results = future.result()
    assert len(results) == 6
    plan = deeplake.explain_query(f"SELECT * FROM '{animals}' WHERE labels = 'cat'")
    assert "labels" in str(plan)
    executor = deeplake.prepare_query(f"SELECT * FROM '{animals}' WHERE confidence > ?")
    assert executor.run_single([0.9]).sample_indices == [0, 2, 3]
    assert [len(v) for v in executor.run_batch([[0.9], [0.0]])] == [3, 6]
    assert isinstance(executor.run_single_async([0.9]).result(), deeplake.DatasetView)
    assert deeplake.query(
        f"SELECT * FROM '{animals}' WHERE confidence > ?", [0.9]
    ).sample_indices == [0, 2, 3]


def test_delete_async(tmp_path):
    path = str(tmp_path / "gone")
    deeplake.create(path)
    deeplake.delete_async(path).wait()
    assert not deeplake.exists(path)

"""``ds.pytorch()`` and the dataloader's torch output, processes and DDP."""

from __future__ import annotations

import json
import multiprocessing as mp
import socket

import numpy as np
import pytest
from loader_helpers import N, ddp_rank, die, scale_images

from deeplake_core.exceptions import LoaderWorkerError

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.timeout(180)


def _rows(loader) -> list[int]:
    return [int(i) for b in loader for i in b["index"].reshape(-1).tolist()]


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("workers", [0, 2])
def test_pytorch_every_sample_once(ds, shuffle, workers):
    view = ds[[int(i) for i in np.random.default_rng(3).permutation(N)[:120]]]
    for target in (ds, view):
        loader = target.pytorch(
            batch_size=16, shuffle=shuffle, num_workers=workers, transform=scale_images
        )
        assert isinstance(loader, torch.utils.data.DataLoader)
        assert len(loader) == -(-len(target) // 16) and loader.batch_size == 16
        batches = list(loader)
        assert batches[0]["images"].dtype == torch.float32
        rows = [int(i) for b in batches for i in b["index"].reshape(-1).tolist()]
        assert sorted(rows) == sorted(target.sample_indices)
        if not shuffle:
            assert rows == list(target.sample_indices)
        loader.close()


def test_pytorch_tuple_order_casts_and_collate(ds):
    ds.create_tensor("u16", dtype="uint16")
    ds.u16.extend(np.arange(N, dtype=np.uint16))
    loader = ds.pytorch(tensors=["u16", "labels"], batch_size=4, num_workers=0)
    u, lab = next(iter(loader))
    assert u.dtype == torch.int32 and lab.dtype == torch.int64
    assert u.reshape(-1).tolist() == lab.reshape(-1).tolist() == [0, 1, 2, 3]

    def count(samples):
        return len(samples)

    assert list(ds[:10].pytorch(batch_size=4, collate_fn=count, num_workers=0)) == [4, 4, 2]


def test_pytorch_drop_last_and_no_index(ds):
    loader = ds.pytorch(batch_size=50, drop_last=True, return_index=False, num_workers=0)
    got = list(loader)
    assert len(got) == len(loader) == N // 50
    assert "index" not in got[0]


def test_torch_loader_state_dict_resume(ds):
    loader = ds.pytorch(batch_size=10, shuffle=True, num_workers=0)
    it = iter(loader)
    seen = [int(i) for _ in range(5) for i in next(it)["index"].reshape(-1).tolist()]
    state = loader.state_dict()
    again = ds.pytorch(batch_size=10, shuffle=True, num_workers=0)
    again.load_state_dict(state)
    rest = _rows(again)
    assert sorted(seen + rest) == list(range(N)) and len(seen) + len(rest) == N


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_start_methods_do_not_hang(local_ds, method):
    loader = local_ds.pytorch(
        batch_size=32,
        num_workers=2,
        transform=scale_images,
        shuffle=True,
        multiprocessing_context=method,
    )
    assert sorted(_rows(loader)) == list(range(N))
    loader.close()


def test_unpicklable_transform_with_spawn_is_a_clear_error(ds):
    loader = ds.pytorch(
        batch_size=8, num_workers=1, transform=lambda s: s, multiprocessing_context="spawn"
    )
    with pytest.raises(LoaderWorkerError, match="module level"):
        next(iter(loader))


def test_dead_worker_raises_instead_of_hanging(ds):
    loader = ds.pytorch(batch_size=8, num_workers=1, transform=die)
    with pytest.raises(LoaderWorkerError, match="exit code 3"):
        list(loader)


def _child_iterates(loader, q):
    q.put(sorted(_rows(loader)))


def test_loader_used_before_fork_works_in_child(local_ds):
    # threads and engines exist in the parent; the forked child must rebuild them
    loader = local_ds.dataloader().batch(16).shuffle().pytorch()
    next(iter(loader))
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child_iterates, args=(loader, q))
    p.start()
    got = q.get(timeout=60)
    p.join(timeout=30)
    assert p.exitcode == 0 and got == list(range(N))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_distributed_two_ranks_partition_the_data(local_ds, tmp_path):
    path = local_ds.path
    port = _free_port()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=ddp_rank, args=(r, 2, port, path, str(tmp_path))) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=150)
    assert [p.exitcode for p in procs] == [0, 0]
    res = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    for key in ("a", "b", "c"):
        r0, r1 = res[0][key], res[1][key]
        assert not set(r0) & set(r1)
        assert sorted(r0 + r1) == list(range(N))
        assert abs(len(r0) - len(r1)) <= 1
    assert res[0]["a"] != res[0]["b"]  # a new shuffle each epoch
    assert res[0]["len"] == -(-(N // 2) // 8)


def test_map_style_torch_dataset_with_torch_workers(local_ds):
    from torch.utils.data import DataLoader

    from deeplake_core.loaders.torch import TorchDataset

    tds = TorchDataset(local_ds, tensors=["labels"], return_index=True)
    assert len(tds) == N and tds[5]["labels"].item() == 5
    dl = DataLoader(tds, batch_size=16, num_workers=2, shuffle=True)
    rows = sorted(int(i) for b in dl for i in b["index"].tolist())
    assert rows == list(range(N))


def test_dataloader_pytorch_output(ds):
    dl = ds.dataloader().batch(32).shuffle().pytorch(num_workers=0, tensors=["labels"])
    b = next(iter(dl))
    assert isinstance(b["labels"], torch.Tensor) and b["labels"].shape == (32, 1)
    assert set(b) == {"labels", "index"}

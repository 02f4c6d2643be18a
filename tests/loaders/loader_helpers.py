"""Shared helpers of the loader tests: small datasets with many chunks."""

from __future__ import annotations

import numpy as np

import deeplake_core as deeplake

N = 230
IMG = (8, 8, 3)


def make_dataset(path: str, n: int = N, chunk: int = 2048) -> deeplake.Dataset:
    """``images`` (uint8, ~10 samples per chunk) and ``labels`` (row number)."""
    ds = deeplake.dataset(path, overwrite=True)
    ds.create_tensor("images", dtype="uint8", max_chunk_size=chunk)
    ds.create_tensor("labels", dtype="int64")
    rng = np.random.default_rng(0)
    with ds:
        imgs = rng.integers(0, 255, (n, *IMG), dtype=np.uint8)
        imgs[:, 0, 0, 0] = np.arange(n) % 256
        ds.images.extend(imgs)
        ds.labels.extend(np.arange(n, dtype=np.int64))
    return ds


# ---------------------------------------------------------------- picklable callables
# (module level, so worker processes started with spawn/forkserver can import them)


def scale_images(sample):
    sample["images"] = sample["images"].astype("float32") / 255
    return sample


def die(sample):
    import os

    os._exit(3)


def pil_to_chw(img):
    """A stand-in for torchvision's RandomRotation + ToTensor + Normalize."""
    import torch

    arr = np.asarray(img.rotate(10), dtype=np.float32) / 255
    t = torch.from_numpy(arr)
    t = t.permute(2, 0, 1) if t.ndim == 3 else t[None]
    return (t - 0.5) / 0.5


def ddp_rank(rank: int, world: int, port: int, path: str, out: str) -> None:
    """One rank of a gloo process group: record the rows each loader gives it."""
    import json

    import torch.distributed as dist

    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world
    )
    try:
        ds = deeplake.load(path, read_only=True)
        dl = ds.dataloader().batch(8).shuffle().pytorch(distributed=True)
        rows = [int(i) for b in dl for i in b["index"].reshape(-1).tolist()]
        rows2 = [int(i) for b in dl for i in b["index"].reshape(-1).tolist()]
        tl = ds.pytorch(batch_size=8, shuffle=True, num_workers=0, distributed=True)
        rows3 = [int(i) for b in tl for i in b["index"].reshape(-1).tolist()]
        with open(f"{out}/rank{rank}.json", "w") as f:
            json.dump({"a": rows, "b": rows2, "c": rows3, "len": len(dl)}, f)
        dist.barrier()
    finally:
        dist.destroy_process_group()

"""The dataloader examples of the reference docs, on local stand-ins for the hub
datasets they load (fashion-mnist: 28x28 images + labels; coco: JPEGs + categories)."""

from __future__ import annotations

import numpy as np
import pytest

import deeplake_core as deeplake

torch = pytest.importorskip("torch")


@pytest.fixture
def ds_train():
    """A small fashion-mnist look-alike."""
    ds = deeplake.dataset("mem://fashion-mnist-train", overwrite=True)
    ds.create_tensor("images", dtype="uint8")
    ds.create_tensor("labels", htype="class_label")
    rng = np.random.default_rng(0)
    with ds:
        ds.images.extend(rng.integers(0, 255, (120, 28, 28), dtype=np.uint8))
        ds.labels.extend((np.arange(120) % 10).astype(np.uint32))
    return ds


def has_images() -> bool:
    from deeplake_core.plugins import get_registry

    return "image" in get_registry().htypes


@pytest.fixture
def coco():
    if not has_images():
        pytest.skip("the image htype plugin is not installed")
    from PIL import Image  # noqa: F401

    ds = deeplake.dataset("mem://coco-train", overwrite=True)
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    ds.create_tensor("categories", htype="class_label", class_names=["car", "motorcycle", "person"])
    rng = np.random.default_rng(1)
    with ds:
        for i in range(40):
            ds.append(
                {
                    "images": rng.integers(0, 255, (32, 32, 3), dtype=np.uint8),
                    "categories": np.array([i % 3] + ([2] if i % 4 == 0 else []), np.uint32),
                }
            )
    return ds


def stand_in_tform(img):
    """ToPILImage -> RandomRotation(20) -> ToTensor -> Normalize([0.5], [0.5])."""
    from PIL import Image

    if not isinstance(img, Image.Image):
        img = Image.fromarray(np.asarray(img))
    img = img.rotate(float(np.random.uniform(-20, 20)))
    t = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255)
    t = t.permute(2, 0, 1) if t.ndim == 3 else t[None]
    return (t - 0.5) / 0.5


def test_numpy_loader_example(ds_train):
    train_loader = ds_train.dataloader().numpy()
    n = 0
    for _i, data in enumerate(train_loader):
        n += len(data["labels"])
    assert n == len(ds_train)


def test_transform_batch_shuffle_pytorch_example(ds_train):
    tform = stand_in_tform
    try:
        from torchvision import transforms

        tform = transforms.Compose(
            [
                transforms.ToPILImage(),
                transforms.RandomRotation(20),
                transforms.ToTensor(),
                transforms.Normalize([0.5], [0.5]),
            ]
        )
    except Exception:  # torchvision not installed (or not matching the torch build)
        pass
    batch_size = 32
    train_loader = (
        ds_train.dataloader()
        .transform({"images": tform, "labels": None})
        .batch(batch_size)
        .shuffle()
        .pytorch()
    )
    shapes = []
    for _i, data in enumerate(train_loader):
        shapes.append(tuple(data["images"].shape))
    assert shapes[0] == (32, 1, 28, 28) and sum(s[0] for s in shapes) == 120


def test_pil_decode_example(coco):
    train_loader = (
        coco.dataloader()
        .transform({"images": stand_in_tform, "categories": None})
        .batch(8)
        .shuffle()
        .pytorch(decode_method={"images": "pil"})
    )
    seen = 0
    for _i, sample in enumerate(train_loader):
        assert sample["images"].shape[1:] == (3, 32, 32)
        seen += len(sample["images"])
    assert seen == 40


def test_query_examples(ds_train, coco):
    q = ds_train.dataloader().query("select * where labels != 5")
    assert len(list(q.numpy())) == 108
    union = (
        "(select * where contains(categories, 'car') limit 1000) union "
        "(select * where contains(categories, 'motorcycle') limit 1000)"
    )
    train_loader = coco.dataloader().query(union).pytorch()
    rows = [int(d["index"][0]) for d in train_loader]
    assert sorted(rows) == [i for i in range(40) if i % 3 in (0, 1)]


def test_sample_by_examples(ds_train):
    sampled = ds_train.dataloader().sample_by("max_weight(labels == 5: 10, labels == 6: 5)")
    labels = [int(v) for b in sampled.numpy() for v in b["labels"].reshape(-1)]
    assert len(labels) == len(ds_train)
    assert labels.count(5) > labels.count(6) > 0
    assert len(list(ds_train.dataloader().sample_by("labels").numpy())) == len(ds_train)
    weights = [i % 5 for i in range(len(ds_train))]
    rows = [
        int(i)
        for b in ds_train.dataloader().sample_by(weights, replace=False).numpy()
        for i in b["index"]
    ]
    assert len(rows) == len(set(rows))


def test_tensorflow_example(ds_train):
    pytest.importorskip("tensorflow")
    train_loader = ds_train.dataloader().batch(32).shuffle().tensorflow()
    n = 0
    for _i, sample in enumerate(train_loader):
        n += int(sample["labels"].shape[0])
    assert n == 120


def test_random_split_pytorch_example():
    ds = deeplake.dataset("mem://split-example", overwrite=True)
    ds.create_tensor("labels", htype="class_label")
    ds.labels.extend([0, 1, 2, 1, 3])
    train_ds, val_ds = ds.random_split([0.8, 0.2])
    train_loader = train_ds.pytorch(batch_size=2, shuffle=True)
    val_loader = val_ds.pytorch(batch_size=2, shuffle=False)
    got = [int(i) for b in train_loader for i in b["index"]] + [
        int(i) for b in val_loader for i in b["index"]
    ]
    assert sorted(got) == [0, 1, 2, 3, 4]


def test_v4_view_framework_integration(ds_train):
    view = ds_train.query("SELECT *")
    torch_dataset = view.pytorch()
    assert len(list(torch_dataset)) == 120
    pytest.importorskip("tensorflow")
    tf_dataset = view.tensorflow()
    assert sum(1 for _ in tf_dataset) == 120

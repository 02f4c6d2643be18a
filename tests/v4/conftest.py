from __future__ import annotations

import itertools

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core import types

_counter = itertools.count()


@pytest.fixture
def mem_url(request) -> str:
    """A fresh ``mem://`` path per test."""
    return f"mem://v4-{request.node.name}-{next(_counter)}"


def has_htype(name: str) -> bool:
    from deeplake_core.plugins import get_registry

    return name in get_registry().htypes


@pytest.fixture
def animals(tmp_path) -> str:
    """A local dataset made through the v4 face: images, labels, confidence."""
    path = str(tmp_path / "animals")
    ds = deeplake.create(path)
    ds.add_column("labels", types.ClassLabel("int32"))
    ds.add_column("confidence", "float32")
    ds["labels"].metadata["class_names"] = ["cat", "dog"]
    rng = np.random.default_rng(0)
    ds.add_column("images", types.Array("uint8", dimensions=3))
    labels = [0, 1, 0, 1, 1, 0]
    conf = [0.95, 0.5, 0.91, 0.99, 0.2, 0.7]
    ds.append(
        [
            {
                "images": rng.integers(0, 255, (8, 8, 3), dtype=np.uint8),
                "labels": lab,
                "confidence": c,
            }
            for lab, c in zip(labels, conf, strict=True)
        ]
    )
    ds.commit("initial")
    return path

"""Fixtures for loader tests."""

from __future__ import annotations

import uuid

import pytest
from loader_helpers import make_dataset


@pytest.fixture
def ds():
    return make_dataset(f"mem://loaders-{uuid.uuid4().hex}")


@pytest.fixture
def local_ds(tmp_path):
    return make_dataset(str(tmp_path / "ds"))

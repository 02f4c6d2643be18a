"""Fixtures: an empty in-memory dataset and a folder of generated files."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from threed_files import las_points, make_las, make_ply

import deeplake_core as deeplake


@pytest.fixture
def ds():
    return deeplake.empty(f"mem://3d-{uuid.uuid4().hex}")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        out[name] = tmp_path / name
        out[name].write_bytes(data)

    put("example.las", make_las(las_points()))
    put("small.las", make_las(las_points(20, seed=1), seed=1))
    put("example.ply", make_ply())
    put("ascii.ply", make_ply(30, 10, seed=2, encoding="ascii"))
    return out

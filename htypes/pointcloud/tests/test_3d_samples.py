"""point_cloud and mesh tensors: the seed examples, bytes kept as given, header-only
appends, sample_info, corrupt files and the decode limits."""

from __future__ import annotations

import json

import numpy as np
import pytest
import trimesh
from deeplake_core_3d import las, limits, load_mesh, ply, read_points
from threed_files import las_points, make_las, mesh_parts

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    CorruptedSampleError,
    DecompressionBombError,
    SampleDecompressionError,
    UnsupportedCompressionError,
)


def _no_decode(monkeypatch) -> None:
    def refuse(self, data, config=None):
        raise AssertionError("the file should not be decoded on append")

    for cls in (las.LasCodec, ply.PlyCodec):
        monkeypatch.setattr(cls, "decode", refuse)
        monkeypatch.setattr(cls, "encode", refuse)


# ------------------------------------------------------------------ point clouds
def test_point_cloud_seed_array_example(ds) -> None:
    ds.create_tensor("point_clouds", htype="point_cloud", sample_compression="las")
    point_cloud1 = np.random.randint(0, 10, (5, 3))
    ds.point_clouds.append(point_cloud1)
    point_cloud2 = np.random.randint(0, 10, (15, 3))
    ds.point_clouds.append(point_cloud2)
    assert ds.point_clouds.shape == (2, None, 3)
    assert ds.point_clouds[0].tobytes()[:4] == b"LASF"
    assert np.array_equal(ds.point_clouds[1].numpy(), point_cloud2)  # whole numbers: exact
    assert ds.point_clouds.dtype == np.float64


def test_point_cloud_seed_read_example(ds, files, monkeypatch) -> None:
    ds.create_tensor("point_cloud", htype="point_cloud", sample_compression="las")
    sample = deeplake.read(files["example.las"])  # point cloud with 100 points
    _no_decode(monkeypatch)
    ds.point_cloud.append(sample)
    monkeypatch.undo()
    assert ds.point_cloud.shape == (1, 100, 3)
    assert ds.point_cloud[0].tobytes() == files["example.las"].read_bytes()
    assert np.allclose(ds.point_cloud[0].numpy(), las_points(), atol=1e-9)
    assert ds.point_cloud[0][10:20].numpy().shape == (10, 3)


def test_point_cloud_sample_info_and_dimensions(ds, files) -> None:
    ds.create_tensor("pc", htype="point_cloud")
    ds.pc.append(deeplake.read(files["example.las"], verify=True))
    info = ds.pc[0].sample_info
    json.dumps(info)
    assert info["point_count"] == 100 and info["point_format"] == 3
    assert info["version"] == "1.2" and info["scales"] == [0.01, 0.01, 0.01]
    assert {"intensity", "classification", "gps_time", "red"} <= set(info["dimension_names"])
    data = ds.pc[0].data()
    assert data["value"].shape == (100, 3) and data["sample_info"]["point_count"] == 100
    points = read_points(ds.pc[0].tobytes())
    assert points.shape == (100,)
    assert np.allclose(np.stack([points["x"], points["y"], points["z"]], 1), las_points())
    import laspy

    original = laspy.read(files["example.las"])
    assert np.array_equal(points["intensity"], np.asarray(original.intensity))
    assert np.array_equal(points["classification"], np.asarray(original.classification))


def test_point_cloud_uncompressed(ds, files) -> None:
    ds.create_tensor("raw", htype="point_cloud", sample_compression=None)
    ds.raw.append(np.zeros((1000, 3), np.float32))
    ds.raw.append(deeplake.read(files["small.las"]))
    assert ds.raw[0].numpy().dtype == np.float32
    assert ds.raw[1].numpy().shape == (20, 3)
    assert len(ds.raw.numpy(aslist=True)) == 2


def test_point_cloud_corrupt_and_bombs(ds, files, tmp_path) -> None:
    from deeplake_core.core.engine.codecs import get_codec

    good = files["example.las"].read_bytes()
    cut = tmp_path / "cut.las"
    cut.write_bytes(good[:-50])
    ds.create_tensor("pc", htype="point_cloud")
    with pytest.raises(CorruptedSampleError):
        ds.pc.append(deeplake.read(cut))
    junk = tmp_path / "junk.las"
    junk.write_bytes(b"LASF" + b"\x07" * 300)
    with pytest.raises((CorruptedSampleError, SampleDecompressionError)):
        ds.pc.append(deeplake.read(junk))
    assert len(ds.pc) == 0
    # a header announcing 2**32 - 1 points over 100 records
    bomb = bytearray(good)
    bomb[107:111] = (2**32 - 1).to_bytes(4, "little")
    with pytest.raises((DecompressionBombError, CorruptedSampleError)):
        get_codec("las").read_shape_dtype(bytes(bomb))
    limits.set_max_bytes(100)
    try:
        with pytest.raises(DecompressionBombError, match="DEEPLAKE_CORE_3D_MAX_BYTES"):
            get_codec("las").read_shape_dtype(good)
    finally:
        limits.set_max_bytes(None)


# ------------------------------------------------------------------ meshes
def test_mesh_seed_example(ds, files, monkeypatch) -> None:
    ds.create_tensor("mesh", htype="mesh", sample_compression="ply")
    sample = deeplake.read(files["example.ply"])  # mesh with 100 points and 200 faces
    monkeypatch.setattr(ply.PlyCodec, "decode", lambda *a, **k: pytest.fail("decoded"))
    ds.mesh.append(sample)
    monkeypatch.undo()
    assert ds.mesh.shape == (1, 100, 3)
    assert ds.mesh[0].tobytes() == files["example.ply"].read_bytes()
    vertices, faces = mesh_parts()
    assert ds.mesh.dtype == np.float32
    assert np.array_equal(ds.mesh[0].numpy(), vertices)
    data = ds.mesh[0].data()
    assert np.array_equal(data["vertices"], vertices)
    assert np.array_equal(data["faces"], faces)
    assert data["sample_info"]["face_count"] == 200
    mesh = load_mesh(ds.mesh[0].tobytes())
    assert isinstance(mesh, trimesh.Trimesh) and mesh.faces.shape == (200, 3)


def test_mesh_several_and_ascii(ds, files) -> None:
    ds.create_tensor("meshes", htype="mesh")
    ds.meshes.extend([deeplake.read(files["example.ply"]), deeplake.read(files["ascii.ply"])])
    ds.meshes.append(np.zeros((7, 3), np.float32))  # a vertex-only PLY is written
    assert ds.meshes.shape == (3, None, 3)
    assert len(ds.meshes.numpy(aslist=True)) == 3
    expected = np.asarray(trimesh.load(files["ascii.ply"], process=False).vertices)
    assert np.array_equal(ds.meshes[1].numpy(), expected.astype(np.float32))
    data = ds.meshes.data(aslist=True)
    assert [f.shape if f is not None else None for f in data["faces"]][:2] == [(200, 3), (10, 3)]
    assert data["faces"][2] is None  # arrays carry no faces
    assert ds.meshes[2].tobytes().startswith(b"ply\n")


def test_mesh_faces_left_out_of_large_meshes(ds, files) -> None:
    limits.set_max_info_faces(100)
    try:
        ds.create_tensor("mesh", htype="mesh")
        ds.mesh.append(deeplake.read(files["example.ply"]))
    finally:
        limits.set_max_info_faces(None)
    info = ds.mesh[0].sample_info
    assert "faces" not in info and info["face_count"] == 200
    assert ds.mesh[0].data()["faces"] is None


def test_mesh_refusals(ds, files, tmp_path) -> None:
    from deeplake_core.core.engine.codecs import get_codec

    with pytest.raises(UnsupportedCompressionError):
        ds.create_tensor("bad", htype="mesh", sample_compression="las")
    good = files["example.ply"].read_bytes()
    codec = get_codec("ply")
    with pytest.raises(CorruptedSampleError):
        codec.read_shape_dtype(good[:-300])  # fewer bytes than the declared records
    with pytest.raises(CorruptedSampleError):
        codec.read_shape_dtype(good.replace(b"element vertex 100", b"element vertex 10000000"))
    with pytest.raises(CorruptedSampleError):
        codec.read_shape_dtype(b"ply\nformat ascii 1.0\nelement face 0\nend_header\n")
    with pytest.raises(SampleDecompressionError):
        codec.read_shape_dtype(b"solid not a ply\n")
    limits.set_max_bytes(1000)
    try:
        with pytest.raises(DecompressionBombError):
            codec.decode(good)
    finally:
        limits.set_max_bytes(None)
    bad = tmp_path / "bad.ply"
    bad.write_bytes(good[:-300])
    ds.create_tensor("mesh", htype="mesh")
    with pytest.raises(CorruptedSampleError):
        ds.mesh.append(deeplake.read(bad))
    assert len(ds.mesh) == 0


def test_point_cloud_sequence_and_link(ds, files) -> None:
    ds.create_tensor("frames", htype="sequence[point_cloud]")
    ds.frames.append([deeplake.read(files["small.las"])] * 3)
    assert ds.frames[0].numpy().shape == (3, 20, 3)
    ds.create_tensor("linked", htype="link[point_cloud]")
    ds.linked.append(deeplake.link(str(files["small.las"])))
    assert ds.linked[0].numpy().shape == (20, 3)


def test_las_written_files_are_deterministic() -> None:
    from deeplake_core.core.engine.codecs import get_codec

    arr = las_points(10)
    codec = get_codec("las")
    assert codec.encode(arr) == codec.encode(arr.copy())
    assert make_las(arr)[:4] == b"LASF"

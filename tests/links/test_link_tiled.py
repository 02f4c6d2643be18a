"""deeplake.link_tiled: a grid of image files read as one large image."""

from __future__ import annotations

import numpy as np
import pytest
from link_helpers import image_bytes

import deeplake_core as deeplake
from deeplake_core.core import links
from deeplake_core.core.sample import LinkedTiledSample
from deeplake_core.exceptions import LinkedSampleError


@pytest.fixture
def grid(tmp_path):
    """A 3x4 grid of 10x12x3 PNG tiles and the full 30x48x3 image they form."""
    rows, cols, th, tw = 3, 4, 10, 12
    full = np.zeros((rows * th, cols * tw, 3), np.uint8)
    paths = np.empty((rows, cols), dtype=object)
    for i in range(rows):
        for j in range(cols):
            data, arr = image_bytes((th, tw, 3), seed=i * cols + j)
            p = tmp_path / f"tile_{i}_{j}.png"
            p.write_bytes(data)
            paths[i, j] = str(p)
            full[i * th : (i + 1) * th, j * tw : (j + 1) * tw] = arr
    return paths, full


@pytest.fixture
def fetched(monkeypatch):
    calls: list[str] = []
    real = links.fetch

    def spy(state, path, creds_key):
        calls.append(path)
        return real(state, path, creds_key)

    monkeypatch.setattr(links, "fetch", spy)
    return calls


def test_tiles_assemble_into_one_image(ds, grid, fetched):
    paths, full = grid
    ds.create_tensor("big", htype="link[image]", sample_compression="png")
    ds.big.append(deeplake.link_tiled(paths))
    assert len(fetched) == 12  # verify read every tile's header
    assert ds.big[0].shape == (30, 48, 3) and ds.big.shape == (1, 30, 48, 3)
    assert ds.big[0].sample_info["tiles"] == [3, 4]
    fetched.clear()
    np.testing.assert_array_equal(ds.big[0].numpy(), full)
    assert len(fetched) == 12
    np.testing.assert_array_equal(ds.big.numpy()[0], full)
    got = ds.big[0].path()
    assert got.shape == (3, 4) and got[1, 2] == paths[1, 2]
    with pytest.raises(ValueError, match="several files"):
        ds.big[0].tobytes()


@pytest.mark.parametrize(
    "index, tiles",
    [
        ((slice(0, 5), slice(0, 5)), 1),
        ((slice(12, 18), slice(20, 30)), 2),
        ((slice(8, 12), slice(20, 30)), 4),
        ((5, slice(None)), 4),
        ((slice(None), 47), 3),
        ((slice(25, 8, -3), slice(40, 2, -7)), 8),
        ((slice(-5, None), -1, 1), 1),
        ((slice(10, 20), slice(12, 24), 0), 1),
    ],
)
def test_sub_slice_reads_only_needed_tiles(ds, grid, fetched, index, tiles):
    paths, full = grid
    ds.create_tensor("big", htype="link[image]", sample_compression="png")
    ds.big.append(deeplake.link_tiled(paths))
    fetched.clear()
    got = ds.big[(0, *index)].numpy()
    np.testing.assert_array_equal(got, full[index])
    assert len(fetched) == tiles


def test_unverified_tiles(ds, grid, fetched):
    paths, full = grid
    ds.create_tensor("big", htype="link[image]", sample_compression="png", verify=False)
    ds.big.append(deeplake.link_tiled(paths))
    assert fetched == []
    np.testing.assert_array_equal(ds.big[0, 9:11, 11:13].numpy(), full[9:11, 11:13])
    assert len(fetched) == 1 + 4  # first tile for the tile shape, then the 4 covering
    fetched.clear()
    assert ds.big[0].shape == (30, 48, 3)
    assert len(fetched) == 1  # the first tile's header
    np.testing.assert_array_equal(ds.big[0].numpy(), full)


def test_tiles_must_share_a_shape(ds, tmp_path):
    a, _ = image_bytes((4, 4, 3))
    b, _ = image_bytes((5, 4, 3))
    (tmp_path / "a.png").write_bytes(a)
    (tmp_path / "b.png").write_bytes(b)
    arr = np.array([[str(tmp_path / "a.png"), str(tmp_path / "b.png")]], dtype=object)
    ds.create_tensor("big", htype="link[image]", sample_compression="png")
    with pytest.raises(LinkedSampleError, match="one shape"):
        ds.big.append(deeplake.link_tiled(arr))


def test_tiled_and_plain_links_mix(ds, grid, tmp_path):
    paths, full = grid
    one, arr = image_bytes((7, 7, 3))
    (tmp_path / "one.png").write_bytes(one)
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    ds.img.extend([deeplake.link(str(tmp_path / "one.png")), deeplake.link_tiled(paths)])
    got = ds.img.numpy(aslist=True)
    np.testing.assert_array_equal(got[0], arr)
    np.testing.assert_array_equal(got[1], full)
    tiled = ds.img[1]._linked_sample()
    assert isinstance(tiled, LinkedTiledSample) and tiled.path_array.shape == (3, 4)

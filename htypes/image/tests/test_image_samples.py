"""deeplake.read samples into image tensors: bytes kept, recompression, conversions,
limits, remote reads and the seed examples."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
from deeplake_core_image import limits
from PIL import Image

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    CorruptedSampleError,
    DecompressionBombError,
    LinkedSampleError,
    SampleDecompressionError,
    UnsupportedCompressionError,
)


def _photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / w, y * 255 / h, (x * y) % 256], -1)
    return np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    arr = _photo(40, 64)
    out = {}
    for ext, fmt in [("jpg", "JPEG"), ("png", "PNG"), ("bmp", "BMP"), ("webp", "WEBP")]:
        p = tmp_path / f"img.{ext}"
        Image.fromarray(arr).save(p, format=fmt)
        out[ext] = p
    p = tmp_path / "gray.png"
    Image.fromarray(arr[:, :, 0]).save(p)
    out["gray"] = p
    p = tmp_path / "noext"
    p.write_bytes(out["jpg"].read_bytes())
    out["noext"] = p
    for fmt in ("MPO", "IM", "XBM", "MSP"):
        p = tmp_path / f"img.{fmt.lower()}"
        img = Image.fromarray(arr) if fmt in ("MPO", "IM") else Image.fromarray(arr[:, :, 0] > 99)
        img.save(p, format=fmt)
        out[fmt.lower()] = p
    return out


@pytest.fixture
def ds():
    import uuid

    return deeplake.empty(f"mem://img-{uuid.uuid4().hex}")


def test_jpeg_bytes_stored_as_is(ds, files, monkeypatch) -> None:
    from deeplake_core_image import codecs

    def no_decode(self, data, config=None):
        raise AssertionError("the file should not be decoded on append")

    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    monkeypatch.setattr(codecs.PillowCodec, "decode", no_decode)
    monkeypatch.setattr(codecs.PillowCodec, "encode", no_decode)
    ds.images.append(deeplake.read(files["jpg"]))
    ds.images.extend([deeplake.read(str(files["jpg"]))] * 2)
    monkeypatch.undo()
    assert ds.images.shape == (3, 40, 64, 3)
    stored = [ds.images[i].tobytes() for i in range(3)]
    assert stored == [files["jpg"].read_bytes()] * 3, [len(x) for x in stored]
    expected = np.asarray(Image.open(files["jpg"]))
    assert np.array_equal(ds.images[2].numpy(), expected)


def test_other_formats_recompressed(ds, files) -> None:
    ds.create_tensor("images", htype="image", sample_compression="png")
    ds.images.append(deeplake.read(files["jpg"]))
    ds.images.append(deeplake.read(files["bmp"]))
    assert ds.images[0].tobytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(ds.images[0].numpy(), np.asarray(Image.open(files["jpg"])))
    assert np.array_equal(ds.images[1].numpy(), _photo(40, 64))


def test_raw_arrays_encoded(ds) -> None:
    ds.create_tensor("images", htype="image", sample_compression="png")
    arr = _photo(10, 12)
    ds.images.append(arr)
    ds.images.append(np.zeros((5, 5, 3), dtype=np.uint8))  # the seed example
    assert ds.images[0].tobytes()[:4] == b"\x89PNG"
    assert np.array_equal(ds.images[0].numpy(), arr)
    ds.create_tensor("raw", htype="image", sample_compression=None)
    ds.raw.append(arr)
    assert ds.raw[0].tobytes() == arr.tobytes()


def test_rgb_and_gray_convert(ds, files) -> None:
    ds.create_tensor("rgb", htype="image.rgb", sample_compression="png")
    ds.create_tensor("gray", htype="image.gray", sample_compression="png")
    ds.rgb.append(deeplake.read(files["gray"]))
    ds.rgb.append(np.zeros((4, 4), np.uint8))
    ds.rgb.append(deeplake.read(files["png"]))
    assert ds.rgb.shape == (3, None, None, 3)
    assert ds.rgb[0].numpy().shape == (40, 64, 3)
    assert ds.rgb[2].tobytes() == files["png"].read_bytes()  # already RGB: kept
    ds.gray.append(deeplake.read(files["jpg"]))
    ds.gray.append(_photo(6, 7))
    pil_gray = np.asarray(Image.open(files["jpg"]).convert("L")).astype(int)
    assert np.abs(ds.gray[0].numpy().astype(int) - pil_gray).max() <= 1
    assert ds.gray[1].numpy().shape == (6, 7)


def test_sequence_of_images(ds, files) -> None:
    ds.create_tensor("image_seq", htype="sequence[image]", sample_compression="jpg")
    ds.image_seq.append([deeplake.read(files["jpg"]), deeplake.read(files["jpg"])])
    assert ds.image_seq[0].numpy().shape == (2, 40, 64, 3)


def test_sample_properties(files) -> None:
    s = deeplake.read(files["jpg"])
    assert s.is_lazy and s.compression == "jpeg"
    assert s.shape == (40, 64, 3) and s.dtype == np.uint8
    assert s.pil.size == (64, 40)
    assert s.compressed_bytes("jpeg") == files["jpg"].read_bytes()
    assert s.compressed_bytes(None) == s.array.tobytes() == s.uncompressed_bytes()
    assert s.compressed_bytes("png")[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="only be read"):
        s.compressed_bytes("mpo")
    assert deeplake.read(files["noext"]).compression == "jpeg"  # sniffed
    assert deeplake.read(files["noext"], compression="jpg").compression == "jpeg"


def test_read_only_formats_are_readable(ds, files) -> None:
    ds.create_tensor("rgb", htype="image", sample_compression="png")
    ds.create_tensor("mono", htype="image", sample_compression="png")
    for name in ("mpo", "im", "xbm", "msp"):
        s = deeplake.read(files[name])
        assert s.compression == name
        (ds.rgb if name in ("mpo", "im") else ds.mono).append(s)
    assert np.array_equal(ds.rgb[1].numpy(), _photo(40, 64))
    assert ds.mono[1].numpy().shape == (40, 64)


def test_chunk_compressed_images(ds, files) -> None:
    ds.create_tensor("images", htype="image", chunk_compression="jpg")
    ds.images.extend([deeplake.read(files["png"]), _photo(8, 9)])
    out = ds.images.numpy(aslist=True)
    assert out[0].shape == (40, 64, 3) and out[1].shape == (8, 9, 3)
    assert np.abs(out[1].astype(int) - _photo(8, 9)).mean() < 6
    ds.create_tensor("lossless", htype="image", chunk_compression="png")
    ds.lossless.extend([_photo(8, 9), _photo(3, 3)[:, :, :1]])
    assert np.array_equal(ds.lossless[0].numpy(), _photo(8, 9))
    assert ds.lossless[1].numpy().shape == (3, 3, 1)


def test_decompression_bomb_limit(files) -> None:
    limits.set_max_pixels(1000)
    try:
        s = deeplake.read(files["png"])
        assert s.shape == (40, 64, 3)  # headers are fine
        with pytest.raises(DecompressionBombError, match="over the limit"):
            _ = s.array
    finally:
        limits.set_max_pixels(None)
    assert deeplake.read(files["png"]).array.shape == (40, 64, 3)


def test_declared_shape_must_match_decoded(tmp_path, files) -> None:
    data = bytearray(files["png"].read_bytes())
    data[16:20] = (80).to_bytes(4, "big")  # IHDR width doubled, pixels unchanged
    bad = tmp_path / "lying.png"
    bad.write_bytes(bytes(data))
    s = deeplake.read(bad)
    assert s.shape == (40, 80, 3)
    with pytest.raises((CorruptedSampleError, SampleDecompressionError)):
        _ = s.array
    with pytest.raises((CorruptedSampleError, SampleDecompressionError)):
        _ = deeplake.read(bad, verify=True).shape


def test_unknown_format_refused(tmp_path) -> None:
    p = tmp_path / "mystery"
    p.write_bytes(b"nothing known here" * 5)
    with pytest.raises(UnsupportedCompressionError, match="compression="):
        _ = deeplake.read(p).compression


class _Handler(http.server.BaseHTTPRequestHandler):
    payload = b""

    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        if self.path == "/slow":
            import time

            time.sleep(2)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(files):
    _Handler.payload = files["jpg"].read_bytes()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_http_read(ds, server, files) -> None:
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    ds.images.append(deeplake.read(f"{server}/200/300"))
    assert ds.images[0].shape == (40, 64, 3)
    assert ds.images[0].tobytes() == files["jpg"].read_bytes()
    with pytest.raises(LinkedSampleError, match="non-http"):
        _ = deeplake.read(f"{server}/redirect", compression="jpeg").buffer
    with pytest.raises(LinkedSampleError, match="failed"):
        _ = deeplake.read(f"{server}/slow", compression="jpeg", timeout=0.3).buffer


def test_storage_provider_read(files) -> None:
    from deeplake_core.storage import open_storage

    store = open_storage("mem://m1-files")
    store["dir/cat.jpg"] = files["jpg"].read_bytes()
    assert deeplake.read("mem://m1-files/dir/cat.jpg").shape == (40, 64, 3)
    assert deeplake.read("dir/cat.jpg", storage=store).compression == "jpeg"


def test_tiled_sample_filled_by_slices(ds) -> None:
    with ds:
        ds.create_tensor("image", htype="image", sample_compression="png")
        ds.image.append(deeplake.tiled(sample_shape=(1003, 1103, 3), tile_shape=(10, 10, 3)))
        patch = np.random.default_rng(0).integers(0, 256, (217, 212, 2), dtype=np.uint8)
        ds.image[0][-217:, :212, 1:] = patch
    assert ds.image.shape == (1, 1003, 1103, 3)
    full = ds.image[0].numpy()
    assert np.array_equal(full[-217:, :212, 1:], patch) and not full[:-217].any()

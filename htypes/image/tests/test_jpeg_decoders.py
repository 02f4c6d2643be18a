"""The simplejpeg path of the jpeg codec against the Pillow path it replaced: same
shape, dtype, channel order and pixels; Pillow still handles what simplejpeg cannot;
decode limits are checked from the header first."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import simplejpeg
from deeplake_core_image import codecs, headers, limits
from deeplake_core_image.codecs import ImageChunkCodec, JpegCodec, PillowCodec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from deeplake_core.exceptions import (
    DecompressionBombError,
    SampleCompressionError,
    SampleDecompressionError,
)

CODEC = JpegCodec()


def _photo(h: int, w: int, seed: int = 0, channels: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / max(w, 1), y * 255 / max(h, 1), (x * y) % 256], -1)
    arr = np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)
    return arr[:, :, 0] if channels == 1 else arr


def _pil_jpeg(arr: np.ndarray, **save: object) -> bytes:
    out = io.BytesIO()
    Image.fromarray(arr).save(out, format="JPEG", **save)
    return out.getvalue()


def _pillow_decode(data: bytes) -> np.ndarray:
    """The codec's Pillow path (what ``JpegCodec.decode`` did before simplejpeg)."""
    return PillowCodec.decode(CODEC, data)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records which decoder ran for each decode: 'sj' or 'pil'."""
    seen: list[str] = []
    real_sj = simplejpeg.decode_jpeg
    real_pil = PillowCodec.decode

    def sj(*a, **k):
        seen.append("sj")
        return real_sj(*a, **k)

    def pil(self, *a, **k):
        seen.append("pil")
        return real_pil(self, *a, **k)

    monkeypatch.setattr(simplejpeg, "decode_jpeg", sj)
    monkeypatch.setattr(PillowCodec, "decode", pil)
    return seen


def _same(data: bytes) -> np.ndarray:
    fast, ref = CODEC.decode(data), _pillow_decode(data)
    assert fast.shape == ref.shape and fast.dtype == ref.dtype
    assert fast.flags.c_contiguous
    assert np.array_equal(fast, ref)
    return fast


@pytest.mark.parametrize(
    "save",
    [
        {},
        {"quality": 95},
        {"quality": 20, "optimize": True},
        {"progressive": True},
        {"subsampling": 0},
        {"subsampling": 1},
        {"subsampling": 2},
        {"subsampling": 0, "progressive": True},
        {"keep_rgb": True},  # Adobe marker, RGB colour space (no YCbCr)
    ],
    ids=str,
)
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("size", [(1, 1), (1, 37), (17, 33), (64, 48), (255, 257)])
def test_same_pixels_as_pillow(save, channels, size, calls) -> None:
    data = _pil_jpeg(_photo(*size, channels=channels), **save)
    calls.clear()
    out = CODEC.decode(data)
    assert calls == ["sj"]  # the fast path ran, not the fallback
    want = size if channels == 1 else (*size, 3)
    assert out.shape == want and out.dtype == np.uint8
    _same(data)


@pytest.mark.parametrize("sub", ["444", "422", "420", "440", "411"])
def test_subsamplings_pillow_cannot_write(sub, calls) -> None:
    data = simplejpeg.encode_jpeg(_photo(45, 71, seed=3), quality=88, colorsubsampling=sub)
    calls.clear()
    _same(data)
    assert calls[0] == "sj"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    h=st.integers(1, 90),
    w=st.integers(1, 90),
    grey=st.booleans(),
    progressive=st.booleans(),
    subsampling=st.sampled_from([0, 1, 2]),
    quality=st.integers(5, 100),
    seed=st.integers(0, 2**16),
)
def test_random_jpegs_match_pillow(h, w, grey, progressive, subsampling, quality, seed) -> None:
    arr = _photo(h, w, seed=seed, channels=1 if grey else 3)
    _same(_pil_jpeg(arr, progressive=progressive, subsampling=subsampling, quality=quality))


def test_exif_orientation_is_not_applied(calls) -> None:
    """Neither path rotates: pixels come back in stored order, as before."""
    arr = _photo(20, 50)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    data = _pil_jpeg(arr, exif=exif.tobytes())
    assert headers.jpeg_has_exif(data)
    calls.clear()
    out = _same(data)
    assert calls[0] == "sj" and out.shape == (20, 50, 3)
    assert np.array_equal(out, np.asarray(Image.open(io.BytesIO(data))))


def test_cmyk_goes_to_pillow(calls) -> None:
    cmyk = Image.fromarray(_photo(16, 24)).convert("CMYK")
    out = io.BytesIO()
    cmyk.save(out, format="JPEG")
    calls.clear()
    got = CODEC.decode(out.getvalue())
    assert calls == ["pil"] and got.shape == (16, 24, 4) and got.dtype == np.uint8


def test_mpo_file_decodes_first_frame(calls) -> None:
    out = io.BytesIO()
    Image.fromarray(_photo(12, 20)).save(out, format="MPO")
    data = out.getvalue()
    calls.clear()
    _same(data)
    assert calls[0] == "sj"


def test_warnings_fall_back_to_pillow(calls) -> None:
    data = _pil_jpeg(_photo(32, 32))
    # stray bytes before a marker: libjpeg-turbo warns, Pillow decodes anyway
    sos = data.index(b"\xff\xda")
    stray = data[:sos] + b"\x00\x00" + data[sos:]
    calls.clear()
    assert np.array_equal(CODEC.decode(stray), _pillow_decode(stray))
    assert calls[:2] == ["sj", "pil"]
    # truncated data: both paths refuse it with the same error
    cut = data[: len(data) // 2]
    with pytest.raises(SampleDecompressionError):
        _pillow_decode(cut)
    with pytest.raises(SampleDecompressionError):
        CODEC.decode(cut)
    with pytest.raises(SampleDecompressionError):
        CODEC.decode(b"\xff\xd8\xff\xc0garbage")


def _with_size(data: bytes, h: int, w: int) -> bytes:
    frame = headers.jpeg_frame(data)
    assert frame is not None
    i = data.index(bytes([0xFF, frame[0]]))
    return data[: i + 5] + struct.pack(">HH", h, w) + data[i + 9 :]


def test_limits_checked_from_header_before_decoding(monkeypatch) -> None:
    data = _with_size(_pil_jpeg(_photo(16, 16)), 30000, 30000)
    assert CODEC.read_shape_dtype(data)[0] == (30000, 30000, 3)

    def never(*a, **k):
        raise AssertionError("decoded before the size check")

    monkeypatch.setattr(simplejpeg, "decode_jpeg", never)
    limits.set_max_pixels(1 << 20)
    try:
        with pytest.raises(DecompressionBombError):
            CODEC.decode(data)
    finally:
        limits.set_max_pixels(None)
    limits.set_max_bytes(100)
    try:
        with pytest.raises(DecompressionBombError):
            CODEC.decode(_pil_jpeg(_photo(16, 16)))
    finally:
        limits.set_max_bytes(None)


def test_encode_matches_pillow_quality_and_pillow_reads_it() -> None:
    rgb, grey = _photo(40, 70), _photo(33, 21, channels=1)
    for arr in (rgb, grey, grey[:, :, None], rgb[::2, ::3]):
        data = CODEC.encode(arr)
        out = CODEC.decode(data)
        want = arr.shape[:2] if arr.ndim == 2 or arr.shape[2] == 1 else arr.shape
        assert out.shape == want
        assert np.array_equal(out, _pillow_decode(data))
        # as close to the input as Pillow's own encoder at the same quality
        ref = _pillow_decode(_pil_jpeg(np.ascontiguousarray(arr.reshape(want)), quality=90))
        err = np.abs(out.astype(int) - arr.reshape(want)).mean()
        assert err <= np.abs(ref.astype(int) - arr.reshape(want)).mean() * 1.05 + 0.1
    with pytest.raises(SampleCompressionError):
        CODEC.encode(np.zeros((4, 4, 4), np.uint8))


def test_without_simplejpeg_pillow_does_everything(monkeypatch) -> None:
    arr = _photo(24, 40)
    data = CODEC.encode(arr)
    fast = CODEC.decode(data)
    monkeypatch.setattr(codecs, "_SJ_MODULE", [None])
    assert np.array_equal(CODEC.decode(data), fast)
    slow = CODEC.encode(arr)
    assert Image.open(io.BytesIO(slow)).format == "JPEG"
    assert np.array_equal(CODEC.decode(slow), _pillow_decode(_pil_jpeg(arr, quality=90)))


def test_chunk_compression_round_trip_both_paths(monkeypatch) -> None:
    payload = np.repeat(np.arange(256, dtype=np.uint8), 40).tobytes()
    chunks = ImageChunkCodec(CODEC)
    packed = chunks.compress(payload)
    got = np.frombuffer(chunks.decompress(packed), np.uint8)
    want = np.frombuffer(payload, np.uint8)
    assert len(got) == len(want) and np.abs(got.astype(int) - want).mean() < 3
    monkeypatch.setattr(codecs, "_SJ_MODULE", [None])
    assert chunks.decompress(packed) == got.tobytes()  # Pillow reads it identically
    old = np.frombuffer(chunks.decompress(chunks.compress(payload)), np.uint8)
    assert np.abs(old.astype(int) - want).mean() < 3


def test_loader_pil_decode_method_still_gives_pil_images() -> None:
    import deeplake_core as deeplake

    ds = deeplake.empty("mem://jpeg-decoders-pil")
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    arrays = [_photo(8, 9, seed=i) for i in range(3)]
    ds.images.extend(arrays)
    got = [
        im
        for batch in ds.dataloader().batch(2).numpy(decode_method={"images": "pil"})
        for im in batch["images"]
    ]
    assert len(got) == 3 and all(isinstance(im, Image.Image) for im in got)
    for i, im in enumerate(got):
        assert np.array_equal(np.asarray(im), ds.images[i].numpy())


@pytest.mark.parametrize("channels", [1, 3])
def test_decode_into_fills_the_given_buffer(channels) -> None:
    data = _pil_jpeg(_photo(20, 28, seed=3, channels=channels))
    shape = (20, 28) if channels == 1 else (20, 28, 3)
    out = np.zeros(shape, np.uint8)
    assert CODEC.decode_into(data, out) is out
    np.testing.assert_array_equal(out, CODEC.decode(data))
    wrong = np.zeros((20, 27, channels), np.uint8)  # does not fit: a fresh array instead
    got = CODEC.decode_into(data, wrong)
    assert got is not wrong and not wrong.any()
    np.testing.assert_array_equal(got, CODEC.decode(data))


def test_decode_into_hands_pillow_files_back_fresh(calls) -> None:
    cmyk = Image.fromarray(_photo(16, 24)).convert("CMYK")
    out = io.BytesIO()
    cmyk.save(out, format="JPEG")
    buf = np.zeros((16, 24, 4), np.uint8)
    calls.clear()
    got = CODEC.decode_into(out.getvalue(), buf)
    assert calls == ["pil"] and got is not buf and got.shape == (16, 24, 4)


def test_batched_reads_share_slabs_and_match_single_reads(tmp_path, monkeypatch) -> None:
    import deeplake_core as deeplake
    from deeplake_core.core.engine import read_path

    monkeypatch.setattr(read_path, "_SLAB_BYTES", 3000)  # several samples per slab
    ds = deeplake.empty(str(tmp_path / "ds"))
    for channels in (1, 3):
        col = ds.create_tensor(f"c{channels}", htype="image", sample_compression="jpeg")
        files = []
        for i in range(9):
            files.append(tmp_path / f"{channels}_{i}.jpg")
            files[-1].write_bytes(_pil_jpeg(_photo(20 + i % 3, 16, seed=i, channels=channels)))
        col.extend([deeplake.read(str(f)) for f in files])
    Image.fromarray(_photo(12, 16)).convert("CMYK").save(tmp_path / "cmyk.jpg", format="JPEG")
    ds.c3.append(np.zeros((0, 0, 3), np.uint8))
    ds.c3.append(deeplake.read(str(tmp_path / "cmyk.jpg")))
    for col, n in ((ds.c1, 9), (ds.c3, 11)):
        got = col.numpy(aslist=True)
        assert len(got) == n
        for i, arr in enumerate(got):
            want = col[i].numpy()
            assert arr.shape == want.shape and arr.dtype == np.uint8
            np.testing.assert_array_equal(arr, want)
        assert got[0].base is not None and got[0].base is got[1].base  # one slab
    assert got[9].shape == (0, 0, 3) and got[10].shape == (12, 16, 4)

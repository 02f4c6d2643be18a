"""Small media files for the cross-face tests, generated on the fly (nothing is checked
in). Each maker imports its library lazily so a missing one only skips its type."""

from __future__ import annotations

import gzip
import io

import numpy as np


def video(frames: int = 6, w: int = 16, h: int = 16) -> bytes:
    """An mp4 whose frame ``i`` has red level ``i * 30``."""
    import av

    codec = "mpeg4"
    for name in ("libx264", "h264"):
        try:
            av.codec.Codec(name, "w")
        except Exception:  # PyAV raises several types for a missing codec
            continue
        codec = name
        break
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for i in range(frames):
            img = np.zeros((h, w, 3), np.uint8)
            img[..., 0] = i * 30
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(stream.encode())
    return buf.getvalue()


def audio(n: int = 4000, rate: int = 8000) -> bytes:
    """A mono 16-bit wav tone."""
    import av

    sig = np.round(0.4 * np.sin(np.arange(n) * 0.2) * 32767).astype(np.int16)
    buf = io.BytesIO()
    with av.open(buf, "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=rate, layout="mono")
        for start in range(0, n, 1000):
            frame = av.AudioFrame.from_ndarray(
                sig[start : start + 1000].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate, frame.pts = rate, start
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return buf.getvalue()


def dicom(seed: int = 0) -> bytes:
    """A 16x12 int16 MR slice."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

    arr = np.random.default_rng(seed).integers(-100, 900, (16, 12)).astype(np.int16)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "MR"
    ds.Rows, ds.Columns = arr.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.PixelData = arr.astype("<i2").tobytes()
    ds["PixelData"].VR = "OW"
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def nifti(seed: int = 0, gz: bool = True) -> bytes:
    """A 6x5x4 int16 volume."""
    import nibabel as nib

    arr = np.random.default_rng(seed).integers(0, 500, (6, 5, 4)).astype(np.int16)
    raw = nib.Nifti1Image(arr, np.eye(4), dtype=np.int16).to_bytes()
    return gzip.compress(raw) if gz else raw


def las(n: int = 20, seed: int = 0) -> bytes:
    """A LAS 1.2 point cloud of ``n`` points."""
    import laspy

    xyz = np.random.default_rng(seed).uniform(0, 50, (n, 3)).round(2)
    hdr = laspy.LasHeader(point_format=3, version="1.2")
    hdr.scales = np.array([0.01, 0.01, 0.01])
    hdr.offsets = np.zeros(3)
    data = laspy.LasData(hdr)
    data.x, data.y, data.z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    out = io.BytesIO()
    data.write(out)
    return out.getvalue()


def ply(n_vertices: int = 12, n_faces: int = 10, seed: int = 0) -> bytes:
    """A binary PLY triangle mesh."""
    import trimesh

    rng = np.random.default_rng(seed)
    vertices = rng.uniform(-1, 1, (n_vertices, 3)).astype(np.float32)
    faces = rng.integers(0, n_vertices, (n_faces, 3))
    mesh = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
    return mesh.export(file_type="ply", encoding="binary")


def png(seed: int = 0) -> bytes:
    """A 7x9 RGB png."""
    from PIL import Image

    arr = np.random.default_rng(seed).integers(0, 255, (7, 9, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="png")
    return buf.getvalue()

"""Sample objects that are appended to tensors: files, links and placeholders.

* :class:`Sample` (``deeplake.read``): a file (or buffer, or array) loaded lazily.
  When its format equals a tensor's ``sample_compression`` its bytes are stored as
  given and only its header is read (for the shape); otherwise it is decoded and
  re-encoded by the tensor's codec.
* :class:`LinkedSample` (``deeplake.link``): a path (+ ``creds_key``) stored in a
  ``link[...]`` tensor instead of the data.
* :class:`LinkedTiledSample` (``deeplake.link_tiled``): an array of paths to tiles
  that together form one large image.
* :class:`PartialSample` (``deeplake.tiled``): an empty sample of a given shape, filled
  later by slice assignment.

Credentials given to a sample are used to fetch its bytes and nothing else: they are
not in ``repr`` and are dropped when the sample is pickled.
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from deeplake_core.codecs.base import ArrayCodec
from deeplake_core.exceptions import CorruptedSampleError, UnsupportedCompressionError

#: Leading bytes of common formats, for files whose name has no known extension.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"GIF87a", "gif"),
    (0, b"GIF89a", "gif"),
    (0, b"II*\x00", "tiff"),
    (0, b"MM\x00*", "tiff"),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jpeg2000"),
    (8, b"WEBP", "webp"),
    (0, b"BM", "bmp"),
    (128, b"DICM", "dcm"),
)
_ext_cache: tuple[int, dict[str, str]] | None = None
#: canonical codec names by spelling, for the registry they were looked up in
_canon_cache: tuple[int, dict[str, str]] | None = None


def _registry() -> Any:
    from deeplake_core.plugins import get_registry

    return get_registry()


def canonical_compression(name: str | None) -> str | None:
    """The registered codec name for ``name`` (aliases resolved, ``jpg`` -> ``jpeg``)."""
    global _canon_cache
    if name is None:
        return None
    reg = _registry()
    if _canon_cache is None or _canon_cache[0] != id(reg):
        _canon_cache = (id(reg), {})
    table = _canon_cache[1]
    hit = table.get(name) if isinstance(name, str) else None
    if hit is not None:
        return hit
    key = str(name).lower().lstrip(".")
    try:
        canon = reg.codecs.get(key).name
    except Exception:
        raise UnsupportedCompressionError(name) from None
    if isinstance(name, str):
        table[name] = canon
    return canon


def _extension_map() -> dict[str, str]:
    global _ext_cache
    reg = _registry()
    if _ext_cache is None or _ext_cache[0] != id(reg):
        table: dict[str, str] = {}
        for name in reg.codecs.names():
            spec = reg.codecs.get(name)
            for ext in spec.file_extensions:
                table.setdefault(ext.lower(), spec.name)
        _ext_cache = (id(reg), table)
    return _ext_cache[1]


def compression_from_path(path: str) -> str | None:
    """Codec name for a file name's extension (``a.nii.gz`` tries ``nii.gz`` first)."""
    name = path.rsplit("/", 1)[-1].split("?", 1)[0].lower()
    parts = name.split(".")
    table = _extension_map()
    for i in range(1, len(parts)):
        hit = table.get(".".join(parts[i:]))
        if hit is not None:
            return hit
    return None


def compression_from_bytes(data: bytes | memoryview) -> str | None:
    head = bytes(data[:140])
    names = set(_registry().codecs.names())
    for offset, magic, name in _MAGIC:
        if head[offset : offset + len(magic)] == magic and name in names:
            return canonical_compression(name)
    return None


def redact(path: str | None) -> str | None:
    """``path`` with any ``user:password@`` part of a URL hidden."""
    if path is None:
        return None
    return re.sub(r"(://)[^/@]*@", r"\1***@", path)


_codec_cache: tuple[int, dict[str, Any]] | None = None


def _codec(name: str) -> Any:
    """The codec instance for a canonical name (cached per registry)."""
    global _codec_cache
    reg = _registry()
    if _codec_cache is None or _codec_cache[0] != id(reg):
        _codec_cache = (id(reg), {})
    codec = _codec_cache[1].get(name)
    if codec is None:
        codec = _codec_cache[1][name] = reg.codecs.load(name)
    return codec


class Sample:
    """One sample for a tensor: a file (``path``), a byte ``buffer`` or an ``array``.

    Nothing is read until a property is used. ``compression`` is the file's format
    (from ``compression=``, the extension or the leading bytes); ``shape`` and ``dtype``
    come from the file's header, ``array`` decodes it.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        array: np.ndarray | None = None,
        buffer: bytes | memoryview | None = None,
        compression: str | None = None,
        verify: bool = False,
        shape: tuple[int, ...] | None = None,
        dtype: Any = None,
        creds: dict | None = None,
        storage: Any = None,
        timeout: float | None = None,
    ):
        if path is not None and array is not None:
            raise ValueError("give a Sample a path or an array, not both")
        if path is None and array is None and buffer is None:
            raise ValueError("a Sample needs a path, an array or a buffer")
        self.path = os.fspath(path) if path is not None else None
        self._array = np.asarray(array) if array is not None else None
        self._buffer = bytes(buffer) if buffer is not None else None
        self._compression = canonical_compression(compression)
        self._verify = bool(verify)
        self._shape = tuple(int(d) for d in shape) if shape is not None else None
        self._dtype = np.dtype(dtype) if dtype is not None else None
        self._creds = creds
        self._storage = storage
        self._timeout = timeout
        self._header_read = False
        if self._array is not None:
            self._shape, self._dtype = self._array.shape, self._array.dtype

    # ---------------------------------------------------------------- loading
    @property
    def _unfetched(self) -> bool:
        """Whether the bytes still have to be read from ``path``."""
        return self._buffer is None and self.path is not None

    def _fetch(self) -> None:
        """Read the file's bytes (and verify them when asked); thread-safe per sample."""
        if self._unfetched:
            self.buffer  # noqa: B018 - the property loads and keeps the bytes

    def stored_form(
        self, compression: str | None
    ) -> tuple[bytes, tuple[int, ...], np.dtype] | None:
        """``(bytes, shape, dtype)`` when the sample is a file or buffer in
        ``compression`` (a canonical name), so that its bytes can be stored as given;
        None otherwise. Reads the header for the shape if needed."""
        if compression is None or (self.path is None and self._buffer is None):
            return None
        if self.compression != compression:
            return None
        return self.buffer, self.shape, self.dtype

    @property
    def is_lazy(self) -> bool:
        """True while nothing has been decoded (path or buffer not yet read as an array)."""
        return self._array is None

    @property
    def compression(self) -> str | None:
        """Canonical codec name of the file's format, or None for raw arrays/bytes."""
        raw_buffer = self.path is None and self._shape is not None and self._dtype is not None
        if self._compression is None and self._array is None and not raw_buffer:
            if self.path is not None:
                self._compression = compression_from_path(self.path)
            if self._compression is None:
                self._compression = compression_from_bytes(self.buffer)
                if self._compression is None:
                    exc = UnsupportedCompressionError(None)
                    exc.args = (
                        f"Cannot tell the format of {redact(self.path) or 'the buffer'} from "
                        "its name or first bytes; pass compression='...' (for example 'jpeg').",
                    )
                    raise exc
        return self._compression

    @property
    def buffer(self) -> bytes:
        """The file's bytes (compressed), or a raw array's C-order bytes."""
        if self._buffer is None:
            if self.path is not None:
                from deeplake_core.core.fetch import fetch_bytes

                self._buffer = fetch_bytes(self.path, self._creds, self._storage, self._timeout)
                if self._verify:
                    self._check()
            else:
                assert self._array is not None
                return np.ascontiguousarray(self._array).tobytes()
        return self._buffer

    def _check(self) -> None:
        """Full decode and header/decoded shape agreement (``verify=True``)."""
        arr = self.array
        self._shape, self._dtype = arr.shape, arr.dtype

    def _read_header(self) -> None:
        if self._header_read or self._array is not None:
            return
        comp = self.compression
        if comp is None:
            raise ValueError(
                "the shape of a raw byte buffer is unknown; pass shape= and dtype= to Sample"
            )
        shape, dtype = _codec(comp).read_shape_dtype(self.buffer)
        if self._shape is not None and tuple(shape) != self._shape:
            raise CorruptedSampleError(comp, redact(self.path))
        self._shape, self._dtype = tuple(int(d) for d in shape), np.dtype(dtype)
        self._header_read = True

    @property
    def shape(self) -> tuple[int, ...]:
        if self._shape is None or (self._dtype is None and self._array is None):
            self._read_header()
        assert self._shape is not None
        return self._shape

    @property
    def dtype(self) -> np.dtype:
        if self._dtype is None:
            self._read_header()
        assert self._dtype is not None
        return self._dtype

    @property
    def array(self) -> np.ndarray:
        """The decoded array (decoded once, then kept)."""
        if self._array is None:
            comp = self.compression
            data = self.buffer
            if comp is None:
                if self._shape is None or self._dtype is None:
                    raise ValueError("a raw byte buffer needs shape= and dtype= to be decoded")
                arr = np.frombuffer(data, self._dtype).reshape(self._shape).copy()
            else:
                arr = _codec(comp).decode(data)
                declared = self._shape
                if declared is None:
                    self._read_header()
                    declared = self._shape
                if declared is not None and tuple(arr.shape) != tuple(declared):
                    raise CorruptedSampleError(comp, redact(self.path))
            self._array = arr
            self._shape, self._dtype = arr.shape, arr.dtype
        return self._array

    @property
    def pil(self) -> Any:
        """The sample as a ``PIL.Image`` (needs Pillow)."""
        from PIL import Image

        return Image.fromarray(self.array)

    # ---------------------------------------------------------------- bytes
    def compressed_bytes(self, compression: str | None) -> bytes:
        """The sample in ``compression`` (the file's own bytes when that is its format;
        raw bytes for None). ``ValueError`` if the format cannot be written."""
        comp = canonical_compression(compression)
        if comp is None:
            return self.uncompressed_bytes()
        from_file = self.path is not None or self._buffer is not None
        if from_file and comp == self.compression:
            return self.buffer  # the file's own bytes, even after a decode
        spec = _registry().codecs.get(comp)
        if spec.read_only:
            raise ValueError(f"{comp!r} can only be read; choose a writable compression")
        codec = _codec(comp)
        if isinstance(codec, ArrayCodec):
            return codec.encode(self.array)
        return codec.compress(np.ascontiguousarray(self.array).tobytes())

    def uncompressed_bytes(self) -> bytes:
        """The decoded array's C-order bytes."""
        return np.ascontiguousarray(self.array).tobytes()

    # ---------------------------------------------------------------- misc
    def __repr__(self) -> str:
        if self.path is not None:
            return f"Sample(path={redact(self.path)!r}, compression={self._compression!r})"
        if self._array is not None:
            return f"Sample(array shape={self._array.shape}, dtype={self._array.dtype})"
        return (
            f"Sample(buffer of {len(self._buffer or b'')} bytes, compression={self._compression!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_creds"] = None  # credentials never leave the process
        state["_storage"] = None
        return state


def prefetch(samples: Any) -> None:
    """Read the files behind the :class:`Sample` objects in ``samples`` concurrently
    (file reads release the GIL), so that a batch append does not wait on them one by
    one. Errors are left for the sample's own read to report."""
    todo = [s for s in samples if type(s) is Sample and s._unfetched]
    if len(todo) < 2:
        return
    from deeplake_core.core.engine.io import pool

    def job(i: int) -> None:
        for s in todo[i::width]:
            try:
                s._fetch()
            except Exception:  # reported where the bytes are used
                continue

    width = min(8, len(todo))
    for fut in [pool().submit(job, i) for i in range(width)]:
        fut.result()


class LinkedSample:
    """A reference to an external file, for ``link[...]`` tensors (``deeplake.link``)."""

    __slots__ = ("creds_key", "path")

    def __init__(self, path: str | os.PathLike[str], creds_key: str | None = None):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"a link is a path or URL string, got {type(path).__name__}")
        if creds_key is not None and not isinstance(creds_key, str):
            raise TypeError("creds_key is the name of a creds key (a str) or None")
        self.path = os.fspath(path)
        self.creds_key = creds_key

    def __repr__(self) -> str:
        return f"LinkedSample(path={redact(self.path)!r}, creds_key={self.creds_key!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, LinkedSample)
            and other.path == self.path
            and other.creds_key == self.creds_key
        )

    def __hash__(self) -> int:
        return hash((self.path, self.creds_key))

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "creds_key": self.creds_key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.path = state["path"]
        self.creds_key = state["creds_key"]


class LinkedTiledSample:
    """Links to equally sized image tiles forming one large image (``deeplake.link_tiled``).

    ``path_array`` is an N-D object array of paths; tile ``path_array[i, j]`` covers
    rows ``i*h:(i+1)*h`` and columns ``j*w:(j+1)*w`` of the full image.
    """

    def __init__(self, path_array: np.ndarray, creds_key: str | None = None):
        arr = np.asarray(path_array, dtype=object)
        if arr.ndim == 0 or arr.size == 0:
            raise ValueError("path_array needs at least one path and one axis")
        for p in arr.flat:
            if not isinstance(p, str):
                raise TypeError(f"path_array holds paths (str), found {type(p).__name__}")
        if creds_key is not None and not isinstance(creds_key, str):
            raise TypeError("creds_key is the name of a creds key (a str) or None")
        self.path_array = arr
        self.creds_key = creds_key

    @property
    def path(self) -> str:
        """The first tile's path (for display)."""
        return str(self.path_array.flat[0])

    def __repr__(self) -> str:
        return (
            f"LinkedTiledSample(tiles={self.path_array.shape}, first={redact(self.path)!r}, "
            f"creds_key={self.creds_key!r})"
        )


class PartialSample:
    """An empty sample of ``sample_shape`` stored as tiles of ``tile_shape``, to be
    filled by slice assignment (``deeplake.tiled``)."""

    def __init__(
        self,
        sample_shape: tuple[int, ...],
        tile_shape: tuple[int, ...] | None = None,
        dtype: Any = np.dtype("uint8"),
    ):
        self.sample_shape = tuple(int(d) for d in sample_shape)
        if any(d < 0 for d in self.sample_shape):
            raise ValueError(f"sample_shape must not be negative, got {sample_shape}")
        if tile_shape is not None:
            tile_shape = tuple(int(d) for d in tile_shape)
            if len(tile_shape) != len(self.sample_shape) or any(d < 1 for d in tile_shape):
                raise ValueError(
                    f"tile_shape {tile_shape} must have one positive size per axis of "
                    f"sample_shape {self.sample_shape}"
                )
        self.tile_shape = tile_shape
        self.dtype = np.dtype(dtype)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.sample_shape

    @property
    def array(self) -> np.ndarray:
        """The (all zero) content of the sample."""
        return np.zeros(self.sample_shape, self.dtype)

    def __repr__(self) -> str:
        return (
            f"PartialSample(sample_shape={self.sample_shape}, tile_shape={self.tile_shape}, "
            f"dtype={self.dtype})"
        )

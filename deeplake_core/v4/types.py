"""Column types of the Deep Lake 4 face (``deeplake_core.types``).

A :class:`Type` names an htype of the plugin registry plus the settings a column is
created with, so every htype (third-party ones too, through :class:`Htype`) is usable
as a column type::

    ds.add_column("images", types.Image(sample_compression="png"))
    ds.add_column("labels", types.ClassLabel("int32"))
    ds.add_column("score", "float32")              # a plain dtype: one number per row
    ds.add_column("scan", types.Htype("acme.xray"))

A column's type is recorded with the tensor (``TensorEntry.column_type``) as JSON, so
it reads back exactly; tensors created through the Deep Lake 3 face get a type
inferred from their htype (:func:`type_of_entry`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

__all__ = [
    "Array",
    "Audio",
    "BinaryMask",
    "Bool",
    "BoundingBox",
    "ClassLabel",
    "Dict",
    "Embedding",
    "Float16",
    "Float32",
    "Float64",
    "Htype",
    "Image",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "Json",
    "Link",
    "List",
    "Medical",
    "Point",
    "Polygon",
    "Scalar",
    "SegmentMask",
    "Sequence",
    "String",
    "Tag",
    "Text",
    "Type",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "Video",
    "parse_type",
    "type_of_entry",
]

_UNSET = "unspecified"
_BBOX_FORMATS = {"ltrb": "LTRB", "ltwh": "LTWH", "ccwh": "CCWH"}
_MEDICAL = {"dcm": "dicom", "dicom": "dicom", "nii": "nifti", "nii.gz": "nifti", "nifti": "nifti"}


def _dtype_name(dtype: Any) -> str:
    """``"float32"``/``np.float32``/``float`` -> ``"float32"`` (numeric dtypes only)."""
    if dtype is bool:
        return "bool"
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{dtype!r} is not a numeric dtype (try 'float32' or 'int64')") from exc
    if dt.kind not in "biuf":
        raise TypeError(f"{dtype!r} is not a numeric dtype; use types.Text() or types.Dict()")
    return dt.name


class Type:
    """A column type: an htype plus creation settings (see the module docstring).

    ``scalar`` types hold one value per row (read back as a number, not an array).
    """

    _BY_NAME: ClassVar[dict[str, type[Type]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Type._BY_NAME[cls.__name__] = cls

    def __init__(
        self,
        htype: str,
        *,
        dtype: str | None = None,
        sample_compression: Any = _UNSET,
        chunk_compression: Any = _UNSET,
        args: dict[str, Any] | None = None,
        scalar: bool = False,
        params: dict[str, Any] | None = None,
    ):
        self.htype = htype
        self.dtype = dtype
        self.sample_compression = sample_compression
        self.chunk_compression = chunk_compression
        self.args = dict(args or {})
        self.scalar = scalar
        self._params = dict(params or {})

    # -- creation -------------------------------------------------------------------
    def tensor_args(self) -> dict[str, Any]:
        """Keyword arguments of the Deep Lake 3 ``create_tensor`` for this type."""
        out: dict[str, Any] = {"htype": self.htype, **self.args}
        if self.dtype is not None:
            out["dtype"] = self.dtype
        if self.sample_compression != _UNSET:
            out["sample_compression"] = self.sample_compression
        if self.chunk_compression != _UNSET:
            out["chunk_compression"] = self.chunk_compression
        return out

    def check(self, name: str, samples: Any) -> None:
        """Refuse samples the type excludes (beyond what the htype checks)."""

    # -- identity -------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        params = {k: (v.to_json() if isinstance(v, Type) else v) for k, v in self._params.items()}
        return {"type": type(self).__name__, "params": params}

    @staticmethod
    def from_json(data: dict[str, Any]) -> Type:
        cls = Type._BY_NAME.get(data.get("type", ""))
        if cls is None:
            raise ValueError(f"unknown column type record {data!r}")
        params = dict(data.get("params") or {})
        for key in ("nested", "element_type"):
            if isinstance(params.get(key), dict):
                params[key] = Type.from_json(params[key])
        return cls(**params)

    @property
    def name(self) -> str:
        return type(self).__name__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Type) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._params.items() if v is not None)
        return f"{self.name}({inner})"


# ---------------------------------------------------------------- numbers & arrays


class Scalar(Type):
    """One number per row (``add_column("score", "float32")``)."""

    def __init__(self, dtype: Any = "float32"):
        dt = _dtype_name(dtype)
        super().__init__("generic", dtype=dt, scalar=True, params={"dtype": dt})


def _scalar(name: str, dtype: str) -> type[Scalar]:
    def __init__(self: Scalar) -> None:
        Scalar.__init__(self, dtype)

    def to_json(self: Scalar) -> dict[str, Any]:
        return {"type": "Scalar", "params": {"dtype": dtype}}

    doc = f"One ``{dtype}`` per row."
    return type(name, (Scalar,), {"__init__": __init__, "to_json": to_json, "__doc__": doc})


Int8 = _scalar("Int8", "int8")
Int16 = _scalar("Int16", "int16")
Int32 = _scalar("Int32", "int32")
Int64 = _scalar("Int64", "int64")
UInt8 = _scalar("UInt8", "uint8")
UInt16 = _scalar("UInt16", "uint16")
UInt32 = _scalar("UInt32", "uint32")
UInt64 = _scalar("UInt64", "uint64")
Float16 = _scalar("Float16", "float16")
Float32 = _scalar("Float32", "float32")
Float64 = _scalar("Float64", "float64")
Bool = _scalar("Bool", "bool")


class Array(Type):
    """An n-dimensional array per row; ``shape`` fixes it, ``dimensions`` its rank."""

    def __init__(
        self,
        dtype: Any = "float32",
        dimensions: int | None = None,
        shape: list[int] | tuple[int, ...] | None = None,
    ):
        dt = _dtype_name(dtype)
        if shape is not None:
            shape = [int(s) for s in shape]
            if dimensions is not None and dimensions != len(shape):
                raise ValueError(f"shape {shape} does not have {dimensions} dimensions")
            dimensions = len(shape)
        super().__init__(
            "generic",
            dtype=dt,
            params={"dtype": dt, "dimensions": dimensions, "shape": shape},
        )
        self.dimensions = dimensions
        self.shape = tuple(shape) if shape is not None else None

    def check(self, name: str, samples: Any) -> None:
        if self.dimensions is None:
            return
        for s in samples:
            if s is None:
                continue
            shape = np.shape(s)
            if len(shape) != self.dimensions or (
                self.shape is not None and tuple(shape) != self.shape
            ):
                want = f"shape {self.shape}" if self.shape else f"{self.dimensions} dimensions"
                raise ValueError(f"column {name!r} holds arrays of {want}, got shape {shape}")


class Embedding(Array):
    """A vector per row (``size`` fixes its length); the ``embedding`` htype."""

    def __init__(self, size: int | None = None, dtype: Any = "float32", index_type: Any = None):
        super().__init__(dtype, 1, [size] if size is not None else None)
        self.htype = "embedding"
        self.size = size
        self.index_type = index_type
        self._params = {"size": size, "dtype": self.dtype, "index_type": index_type}


class ClassLabel(Type):
    """An index into the column's ``metadata["class_names"]`` per row."""

    def __init__(self, dtype: Any = "uint32"):
        dt = _dtype_name(dtype)
        super().__init__("class_label", dtype=dt, scalar=True, params={"dtype": dt})


# ---------------------------------------------------------------- text & objects


class Text(Type):
    """A string per row (the ``text`` htype)."""

    def __init__(self, index_type: Any = None):
        super().__init__("text", params={"index_type": index_type})
        self.index_type = index_type


String = Text


class Dict(Type):
    """A JSON object per row (the ``json`` htype)."""

    def __init__(self) -> None:
        super().__init__("json")


Json = Dict


class List(Type):
    """A JSON list per row (the ``list`` htype)."""

    def __init__(self) -> None:
        super().__init__("list")


class Tag(Type):
    """One or more string tags per row (the ``tag`` htype)."""

    def __init__(self) -> None:
        super().__init__("tag")


# ---------------------------------------------------------------- media & geometry


class Image(Type):
    """An image per row, stored with ``sample_compression`` (``"png"`` by default)."""

    def __init__(self, dtype: Any = "uint8", sample_compression: str | None = "png"):
        dt = _dtype_name(dtype)
        super().__init__(
            "image",
            dtype=dt,
            sample_compression=sample_compression,
            params={"dtype": dt, "sample_compression": sample_compression},
        )


class Audio(Type):
    """An audio clip per row (the ``audio`` htype)."""

    def __init__(self, dtype: Any = "float64", sample_compression: str = "mp3"):
        dt = _dtype_name(dtype)
        super().__init__(
            "audio",
            dtype=dt,
            sample_compression=sample_compression,
            params={"dtype": dt, "sample_compression": sample_compression},
        )


class Video(Type):
    """A video per row (the ``video`` htype)."""

    def __init__(self, compression: str = "mp4"):
        super().__init__(
            "video", sample_compression=compression, params={"compression": compression}
        )


class Medical(Type):
    """A medical scan per row: ``compression`` ``"dcm"`` (dicom) or ``"nii"``/``"nii.gz"``
    (nifti)."""

    def __init__(self, compression: str = "dcm"):
        htype = _MEDICAL.get(str(compression).lower())
        if htype is None:
            raise ValueError(
                f"types.Medical takes compression 'dcm', 'nii' or 'nii.gz', got {compression!r}"
            )
        super().__init__(htype, sample_compression=compression, params={"compression": compression})


class BoundingBox(Type):
    """Boxes per row, ``(# boxes, 4)``; ``format`` ltrb/ltwh/ccwh, ``bbox_type``
    pixel/fractional."""

    def __init__(
        self, dtype: Any = "float32", format: str | None = None, bbox_type: str | None = None
    ):
        dt = _dtype_name(dtype)
        coords: dict[str, Any] = {}
        if format is not None:
            mode = _BBOX_FORMATS.get(str(format).lower())
            if mode is None:
                raise ValueError(f"bounding box format is ltrb, ltwh or ccwh, got {format!r}")
            coords["mode"] = mode
        if bbox_type is not None:
            if bbox_type not in ("pixel", "fractional"):
                raise ValueError(f"bbox_type is 'pixel' or 'fractional', got {bbox_type!r}")
            coords["type"] = bbox_type
        super().__init__(
            "bbox",
            dtype=dt,
            args={"coords": coords} if coords else None,
            params={"dtype": dt, "format": format, "bbox_type": bbox_type},
        )


class SegmentMask(Type):
    """Per-pixel class indices per row (the ``segment_mask`` htype)."""

    def __init__(self, dtype: Any = "uint8", sample_compression: str | None = None):
        dt = _dtype_name(dtype)
        super().__init__(
            "segment_mask",
            dtype=dt,
            sample_compression=sample_compression if sample_compression else _UNSET,
            params={"dtype": dt, "sample_compression": sample_compression},
        )


class BinaryMask(Type):
    """One boolean channel per object per row (the ``binary_mask`` htype)."""

    def __init__(self, sample_compression: str | None = None):
        super().__init__(
            "binary_mask",
            dtype="bool",
            sample_compression=sample_compression if sample_compression else _UNSET,
            params={"sample_compression": sample_compression},
        )


class Point(Type):
    """Points per row, ``(# points, dimensions)`` (the ``point`` htype)."""

    def __init__(self, dimensions: int = 2, dtype: Any = "int32"):
        if dimensions not in (2, 3):
            raise ValueError(f"points have 2 or 3 dimensions, got {dimensions}")
        dt = _dtype_name(dtype)
        super().__init__("point", dtype=dt, params={"dimensions": dimensions, "dtype": dt})
        self.dimensions = dimensions

    def check(self, name: str, samples: Any) -> None:
        for s in samples:
            if s is not None and np.ndim(s) == 2 and np.shape(s)[-1] != self.dimensions:
                raise ValueError(
                    f"column {name!r} holds {self.dimensions}-D points, got shape {np.shape(s)}"
                )


class Polygon(Type):
    """Polygons per row (the ``polygon`` htype)."""

    def __init__(self) -> None:
        super().__init__("polygon")


# ---------------------------------------------------------------- wrappers & plugins


class Sequence(Type):
    """An ordered list of items of ``nested`` per row (``sequence[...]`` htype)."""

    def __init__(self, nested: Any):
        inner = parse_type(nested)
        if isinstance(inner, Sequence | Link):
            raise ValueError("a sequence holds plain types, not sequences or links")
        super().__init__(
            f"sequence[{inner.htype}]",
            dtype=inner.dtype,
            sample_compression=inner.sample_compression,
            chunk_compression=inner.chunk_compression,
            args=inner.args,
            params={"nested": inner},
        )
        self.nested = inner


class Link(Type):
    """A link (URL or path) to a sample of ``nested`` per row (``link[...]`` htype)."""

    def __init__(self, nested: Any):
        inner = parse_type(nested)
        super().__init__(
            f"link[{inner.htype}]",
            dtype=inner.dtype,
            args=inner.args,
            params={"nested": inner},
        )
        self.nested = inner


class Htype(Type):
    """Any htype of the registry by name, with its creation settings and arguments:
    ``types.Htype("acme.xray", sample_compression="png", window=[0, 1])``."""

    def __init__(
        self,
        name: str,
        dtype: Any = None,
        sample_compression: Any = _UNSET,
        chunk_compression: Any = _UNSET,
        **args: Any,
    ):
        from deeplake_core.htype.config import normalize_dtype

        dt = normalize_dtype(dtype) if dtype is not None else None
        super().__init__(
            name,
            dtype=dt,
            sample_compression=sample_compression,
            chunk_compression=chunk_compression,
            args=args,
            params={
                "name": name,
                "dtype": dt,
                **(
                    {"sample_compression": sample_compression}
                    if sample_compression != _UNSET
                    else {}
                ),
                **({"chunk_compression": chunk_compression} if chunk_compression != _UNSET else {}),
                **args,
            },
        )


# ---------------------------------------------------------------- resolution

_NAMED = {
    "text": Text,
    "str": Text,
    "string": Text,
    "json": Dict,
    "dict": Dict,
    "list": List,
    "tag": Tag,
    "embedding": Embedding,
    "polygon": Polygon,
}


def parse_type(value: Any) -> Type:
    """A :class:`Type` from what ``add_column`` accepts: a Type, a Type class
    (``types.Int32``), a dtype (``"float32"``, ``np.int64``, ``int``), ``str``/``dict``,
    or the name of a registered htype (``"image"``, ``"acme.xray"``)."""
    if isinstance(value, Type):
        return value
    if isinstance(value, type) and issubclass(value, Type):
        return value()
    if value is str:
        return Text()
    if value is dict:
        return Dict()
    if value is list:
        return List()
    if value is bool:
        return Scalar("bool")
    if value in (int, float):
        return Scalar(np.dtype(value).name)
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _NAMED:
            return _NAMED[key]()
        try:
            return Scalar(np.dtype(key).name)
        except TypeError:
            pass
        if key.startswith("sequence[") and key.endswith("]"):
            return Sequence(value.strip()[len("sequence[") : -1])
        if key.startswith("link[") and key.endswith("]"):
            return Link(value.strip()[len("link[") : -1])
        return Htype(value.strip())
    try:
        return Scalar(np.dtype(value).name)
    except TypeError:
        pass
    raise TypeError(
        f"{value!r} is not a column type; pass a deeplake_core.types type "
        "(types.Image(), types.Text() ...), a dtype such as 'float32', or an htype name"
    )


def type_of_entry(entry: Any) -> Type:
    """The column type of a tensor's manifest entry: the recorded one, else inferred
    from the htype (tensors created through the Deep Lake 3 face)."""
    recorded = getattr(entry, "column_type", None)
    if recorded:
        try:
            return Type.from_json(recorded)
        except (ValueError, TypeError):
            pass  # a record from a newer release: fall back to the htype
    return _infer(entry.htype, entry.config, entry.info, entry.meta)


def _infer(htype: str, config: dict[str, Any], info: dict[str, Any], meta: dict[str, Any]) -> Type:
    from deeplake_core.htype.parse import parse_htype

    parsed = parse_htype(htype)
    if parsed.is_sequence or parsed.is_link:
        inner = _infer(parsed.name, config, info, {})
        return Sequence(inner) if parsed.is_sequence else Link(inner)
    name = parsed.name
    dtype = config.get("dtype")
    numeric = dtype not in (None, "str", "object")
    if name == "generic":
        if not numeric:
            return Htype("generic")
        if meta.get("ndim") == 1 and meta.get("max_shape") == [1]:
            return Scalar(dtype)
        return Array(dtype, dimensions=meta.get("ndim") or None)
    if name == "class_label" and numeric:
        return ClassLabel(dtype)
    if name == "embedding" and numeric:
        return Embedding(dtype=dtype)
    if name in ("text", "json", "list", "tag", "polygon"):
        return _NAMED[name]()
    if name == "image" and numeric:
        return Image(dtype, config.get("sample_compression"))
    if name == "bbox" and numeric:
        coords = info.get("coords") or {}
        mode = coords.get("mode")
        return BoundingBox(dtype, mode.lower() if mode else None, coords.get("type"))
    if name == "binary_mask":
        return BinaryMask(config.get("sample_compression"))
    if name == "segment_mask" and numeric:
        return SegmentMask(dtype, config.get("sample_compression"))
    compression = config.get("sample_compression")
    if name == "video" and isinstance(compression, str):
        return Video(compression)
    if name == "audio" and numeric and isinstance(compression, str):
        return Audio(dtype, compression)
    if name in ("dicom", "nifti") and _MEDICAL.get(str(compression).lower()) == name:
        return Medical(compression)
    args = {k: info[k] for k in info if k in config.get("info", {})}
    return Htype(
        name,
        dtype if numeric else None,
        sample_compression=compression if compression else _UNSET,
        **args,
    )

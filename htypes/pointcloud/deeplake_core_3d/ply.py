"""The ``ply`` codec: PLY meshes (and vertex-only point sets) read with trimesh.

A decoded sample is the ``(n_vertices, 3)`` array of vertex coordinates, in the dtype
the file declares for ``x``/``y``/``z`` (``float`` -> float32, ``double`` -> float64,
integer types likewise). Shape and dtype come from the PLY header, which is parsed here
without trimesh; the declared element counts are checked against the file's size
(each record needs at least one byte per property) and the decode limit.

``sample_info`` holds the header (encoding, comments, elements and their properties,
vertex and face counts) and, for meshes of at most
:func:`deeplake_core_3d.limits.max_info_faces` faces, the faces as lists of vertex
indices (triangles, as trimesh loads them). :func:`load_mesh` returns the whole mesh.

Writing an ``(n, 3)`` array makes a binary little-endian PLY with one ``vertex``
element in the array's own dtype (int8 ... uint32, float32, float64) and no faces.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeplake_core.codecs.base import ArrayCodec, verify_by_decoding
from deeplake_core.exceptions import (
    CorruptedSampleError,
    SampleCompressionError,
    SampleDecompressionError,
)
from deeplake_core_3d import limits

#: PLY scalar type names -> numpy dtypes.
PLY_TYPES: dict[str, np.dtype] = {
    name: np.dtype(code)
    for names, code in (
        (("char", "int8"), "i1"),
        (("uchar", "uint8"), "u1"),
        (("short", "int16"), "i2"),
        (("ushort", "uint16"), "u2"),
        (("int", "int32"), "i4"),
        (("uint", "uint32"), "u4"),
        (("float", "float32"), "f4"),
        (("double", "float64"), "f8"),
    )
    for name in names
}
_WRITE_NAMES = {np.dtype(c): n for n, c in (
    ("char", "i1"), ("uchar", "u1"), ("short", "i2"), ("ushort", "u2"),
    ("int", "i4"), ("uint", "u4"), ("float", "f4"), ("double", "f8"),
)}  # fmt: skip
_ENCODINGS = frozenset({"ascii", "binary_little_endian", "binary_big_endian"})
_MAX_HEADER = 1 << 16


@dataclass
class Property:
    name: str
    dtype: np.dtype
    #: dtype of the item count of a list property; None for scalars.
    count_dtype: np.dtype | None = None


@dataclass
class Element:
    name: str
    count: int
    properties: list[Property] = field(default_factory=list)

    def min_record_bytes(self, ascii_: bool) -> int:
        """Fewest bytes one record can take (a list counts only its length field)."""
        if ascii_:
            return len(self.properties)  # a digit (and separators) per property
        return sum((p.count_dtype or p.dtype).itemsize for p in self.properties)


@dataclass
class PlyHeader:
    encoding: str
    elements: list[Element]
    comments: list[str]
    #: Bytes up to and including the ``end_header`` line.
    size: int

    def element(self, name: str) -> Element | None:
        return next((e for e in self.elements if e.name == name), None)

    @property
    def vertex_dtype(self) -> np.dtype:
        vertex = self.element("vertex")
        assert vertex is not None
        types = [p.dtype for p in vertex.properties if p.name in ("x", "y", "z")]
        return np.result_type(*types)


def parse_header(data: bytes | memoryview) -> PlyHeader:
    """The PLY header, checked for a vertex element with scalar x, y, z properties and
    for declared counts the file's size can hold."""
    head = bytes(data[:_MAX_HEADER])
    if not (head.startswith(b"ply\n") or head.startswith(b"ply\r\n")):
        raise SampleDecompressionError()
    end = head.find(b"end_header")
    newline = head.find(b"\n", end)
    if end < 0 or newline < 0:
        raise CorruptedSampleError("ply")
    try:
        lines = head[:end].decode("ascii").splitlines()[1:]
    except UnicodeDecodeError:
        raise CorruptedSampleError("ply") from None
    encoding: str | None = None
    elements: list[Element] = []
    comments: list[str] = []
    try:
        for line in lines:
            word, _, rest = line.strip().partition(" ")
            parts = rest.split()
            if word == "format":
                encoding = parts[0]
                if encoding not in _ENCODINGS or parts[1] != "1.0":
                    raise ValueError(line)
            elif word in ("comment", "obj_info"):
                comments.append(rest)
            elif word == "element":
                name, count = parts
                if int(count) < 0:
                    raise ValueError(line)
                elements.append(Element(name, int(count)))
            elif word == "property":
                if parts[0] == "list":
                    prop = Property(parts[3], PLY_TYPES[parts[2]], PLY_TYPES[parts[1]])
                else:
                    prop = Property(parts[1], PLY_TYPES[parts[0]])
                elements[-1].properties.append(prop)
            elif word:
                raise ValueError(line)
    except (ValueError, KeyError, IndexError) as exc:
        raise CorruptedSampleError("ply") from exc
    if encoding is None:
        raise CorruptedSampleError("ply")
    hdr = PlyHeader(encoding, elements, comments, newline + 1)
    vertex = hdr.element("vertex")
    names = {p.name: p for p in vertex.properties} if vertex else {}
    if any(k not in names or names[k].count_dtype is not None for k in "xyz"):
        raise CorruptedSampleError("ply")  # no vertex coordinates
    body = len(data) - hdr.size
    ascii_ = encoding == "ascii"
    if sum(e.count * e.min_record_bytes(ascii_) for e in elements) > body:
        raise CorruptedSampleError("ply")  # more records declared than bytes to hold them
    if not ascii_:
        exact = _binary_body_size(data, hdr)
        if exact is not None and exact > len(data):
            raise CorruptedSampleError("ply")  # records cut short
    faces = hdr.element("face")
    limits.check((vertex.count + (faces.count if faces else 0), 3), 8)  # type: ignore[union-attr]
    return hdr


def _binary_body_size(data: bytes | memoryview, hdr: PlyHeader) -> int | None:
    """Offset where a binary body ends, for bodies whose list properties (at most one per element, the
    last) all have the same length, found by reading only the length fields; None
    when the layout is irregular."""
    order = "<" if hdr.encoding == "binary_little_endian" else ">"
    offset = hdr.size
    buf = np.frombuffer(data, dtype=np.uint8)
    for element in hdr.elements:
        props = element.properties
        lists = [i for i, p in enumerate(props) if p.count_dtype is not None]
        fixed = sum(p.dtype.itemsize for p in props if p.count_dtype is None)
        if not lists:
            offset += element.count * fixed
            continue
        if lists != [len(props) - 1] or element.count == 0:
            return None
        last = props[-1]
        count_dtype = last.count_dtype.newbyteorder(order)  # type: ignore[union-attr]
        first = offset + fixed
        if first + count_dtype.itemsize > len(buf):
            return first + count_dtype.itemsize
        n = int(buf[first : first + count_dtype.itemsize].view(count_dtype)[0])
        record = fixed + count_dtype.itemsize + n * last.dtype.itemsize
        end = offset + element.count * record
        if end > len(buf) or n < 0:
            return max(end, len(buf) + 1)
        starts = first + record * np.arange(element.count)
        counts = buf[starts[:, None] + np.arange(count_dtype.itemsize)].copy()
        if not (counts.view(count_dtype).ravel() == n).all():
            return None
        offset = end
    return offset


def load_mesh(data: bytes | memoryview) -> Any:
    """The file as a trimesh object (``Trimesh``, or ``PointCloud`` without faces)."""
    hdr = parse_header(data)
    import trimesh

    if hdr.element("vertex").count == 0:  # type: ignore[union-attr]
        return trimesh.PointCloud(np.zeros((0, 3)))  # trimesh loads these as empty scenes
    try:
        geom = trimesh.load(io.BytesIO(bytes(data)), file_type="ply", process=False)
    except Exception as exc:
        raise SampleDecompressionError() from exc
    if not hasattr(geom, "vertices"):
        raise CorruptedSampleError("ply")
    return geom


class PlyCodec(ArrayCodec):
    """PLY (``ply``) <-> ``(n, 3)`` vertex arrays, with trimesh."""

    name = "ply"

    @property
    def max_decoded_bytes(self) -> int:  # type: ignore[override]
        return limits.max_bytes()

    def read_shape_dtype(self, data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype]:
        hdr = parse_header(data)
        return (hdr.element("vertex").count, 3), hdr.vertex_dtype  # type: ignore[union-attr]

    def _vertices(self, geom: Any, hdr: PlyHeader) -> np.ndarray:
        count = hdr.element("vertex").count  # type: ignore[union-attr]
        try:
            vertices = np.asarray(geom.vertices, dtype=np.float64)
        except Exception as exc:
            raise SampleDecompressionError() from exc
        if vertices.shape != (count, 3):
            raise CorruptedSampleError(self.name)
        return np.ascontiguousarray(vertices.astype(hdr.vertex_dtype))

    def decode(self, data: bytes | memoryview, config: Any = None) -> np.ndarray:
        hdr = parse_header(data)
        return self._vertices(load_mesh(data), hdr)

    def sample_info(self, data: bytes | memoryview) -> dict[str, Any]:
        hdr = parse_header(data)
        vertex, faces = hdr.element("vertex"), hdr.element("face")
        face_count = faces.count if faces is not None else 0
        info: dict[str, Any] = {
            "shape": [vertex.count, 3],  # type: ignore[union-attr]
            "dtype": hdr.vertex_dtype.name,
            "format": self.name,
            "encoding": hdr.encoding,
            "comments": hdr.comments,
            "elements": {
                e.name: {"count": e.count, "properties": [p.name for p in e.properties]}
                for e in hdr.elements
            },
            "vertex_count": vertex.count,  # type: ignore[union-attr]
            "face_count": face_count,
        }
        if face_count <= limits.max_info_faces():
            geom = load_mesh(data)
            tri = getattr(geom, "faces", None)
            info["faces"] = np.asarray(tri).tolist() if tri is not None else []
        return info

    def verify(self, data: bytes | memoryview) -> None:
        verify_by_decoding(self, data)

    def encode(self, array: np.ndarray, config: Any = None) -> bytes:
        arr = np.asarray(array)
        kind = _WRITE_NAMES.get(arr.dtype.newbyteorder("=")) if arr.ndim == 2 else None
        if kind is None or arr.shape[1] != 3:
            raise SampleCompressionError(
                arr.shape,
                self.name,
                "PLY vertices are (n, 3) arrays of int8, uint8, int16, uint16, int32, "
                f"uint32, float32 or float64; got dtype {arr.dtype}",
            )
        header = (
            "ply\nformat binary_little_endian 1.0\ncomment written by deeplake-core\n"
            f"element vertex {arr.shape[0]}\n"
            + "".join(f"property {kind} {axis}\n" for axis in "xyz")
            + "end_header\n"
        )
        body = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
        return header.encode("ascii") + body

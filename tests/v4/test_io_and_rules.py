"""CSV/Parquet import-export, read-only refusals, rows, columns and types."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deeplake_core as deeplake
from deeplake_core import types
from deeplake_core.exceptions import (
    ReadOnlyModeError,
    TensorAlreadyExistsError,
    TensorDoesNotExistError,
)

# ----------------------------------------------------------------------------- CSV

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-(2**40), 2**40),
            st.floats(allow_nan=False, allow_infinity=False, width=64),
            _text,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_csv_round_trip(rows):
    ds = deeplake.create(f"mem://csv-rt-{abs(hash(str(rows)))}-{id(rows)}")
    ds.add_column("i", "int64")
    ds.add_column("f", "float64")
    ds.add_column("t", types.Text())
    ds.append([{"i": i, "f": f, "t": t} for i, f, t in rows])
    out = io.StringIO()
    ds.to_csv(out)
    back = deeplake.from_csv(out.getvalue().encode())
    assert back["i"][:].tolist() == [r[0] for r in rows]
    assert back["f"][:].tolist() == [r[1] for r in rows]
    texts = [r[2] for r in rows]
    if all(_is_number(t) for t in texts):  # a column of numeric-looking text reads as numbers
        return
    assert back["t"][:] == texts


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def test_csv_sources_and_types(tmp_path):
    data = "a,b,c\n1,2.5,x\n2,,y\n"
    path = tmp_path / "d.csv"
    path.write_text(data)
    for src in (str(path), data.encode(), io.BytesIO(data.encode())):
        ds = deeplake.from_csv(src)
        assert isinstance(ds, deeplake.ReadOnlyDataset)
        assert ds.schema["a"].dtype == types.Int64()
        assert ds.schema["b"].dtype == types.Float64()
        assert ds["a"][:].tolist() == [1, 2]
        assert ds["b"][0] == 2.5 and math.isnan(ds["b"][1])
        assert ds["c"][:] == ["x", "y"]
    dest = deeplake.from_csv(data.encode(), dest=str(tmp_path / "stored"))
    assert isinstance(dest, deeplake.Dataset)
    assert deeplake.open_read_only(str(tmp_path / "stored"))["c"][:] == ["x", "y"]
    with pytest.raises(ValueError, match="cells"):
        deeplake.from_csv(b"a,b\n1\n")


def test_to_csv_path_and_arrays(tmp_path, mem_url):
    ds = deeplake.create(mem_url)
    ds.add_column("v", types.Embedding(2))
    ds.add_column("d", types.Dict())
    ds.append([{"v": [1.0, 2.0], "d": {"k": 1}}])
    ds.to_csv(str(tmp_path / "o.csv"))
    assert (tmp_path / "o.csv").read_text().splitlines() == ["v,d", '"[1.0, 2.0]","{""k"": 1}"']


# ----------------------------------------------------------------------------- Parquet


def test_from_parquet_types(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "ints": pa.array([1, 2, 3], pa.int32()),
            "floats": [0.5, 1.5, None],
            "strings": ["a", "bé", ""],
            "lists": [[1, 2], [], [3]],
            "bools": [True, False, True],
            "words": [["x"], ["y", "z"], []],
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    for src in (str(path), path.read_bytes()):
        ds = deeplake.from_parquet(src)
        assert ds.schema["ints"].dtype == types.Int32()
        assert ds["ints"][:].tolist() == [1, 2, 3]
        f = ds["floats"][:]
        assert f[:2].tolist() == [0.5, 1.5] and math.isnan(f[2])
        assert ds["strings"][:] == ["a", "bé", ""]
        assert [x.tolist() for x in ds["lists"][:]] == [[1, 2], [], [3]]
        assert ds["bools"][:].tolist() == [True, False, True]
        assert ds["words"][:] == [["x"], ["y", "z"], []]


def test_from_parquet_without_pyarrow(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError("no pyarrow")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    from deeplake_core.exceptions import ModuleNotInstalledException

    with pytest.raises(ModuleNotInstalledException, match="pyarrow"):
        deeplake.from_parquet(b"PAR1")


# ----------------------------------------------------------------------------- read-only


@pytest.fixture
def small(mem_url):
    ds = deeplake.create(mem_url)
    ds.add_column("x", "int32")
    ds.add_column("t", "text")
    ds.append({"x": [1, 2, 3], "t": ["a", "b", "c"]})
    ds.commit("c1")
    return mem_url


def _writes(obj):
    yield lambda: obj.append([{"x": 1}])
    yield lambda: obj.delete(0)
    yield lambda: obj.add_column("y", "int32")
    yield lambda: obj.remove_column("x")
    yield lambda: obj.rename_column("x", "z")
    yield lambda: obj.commit("m")
    yield lambda: obj.commit_async("m")
    yield lambda: obj.merge("main")
    yield lambda: obj.push("mem://elsewhere")
    yield lambda: obj.pull("mem://elsewhere")
    yield lambda: obj.push_async("mem://elsewhere")
    yield lambda: obj.pull_async("mem://elsewhere")
    yield lambda: obj.set_creds_key("k")
    yield lambda: obj["x"].__setitem__(0, 5)
    yield lambda: obj[0].__setitem__("x", 5)
    yield lambda: obj["x"].metadata.__setitem__("k", 1)
    yield lambda: setattr(obj, "description", "d")
    yield lambda: setattr(obj, "auto_commit_enabled", True)


def test_read_only_and_views_refuse_writes(small):
    ro = deeplake.open_read_only(small)
    view = deeplake.open(small)[0:2]
    for obj in (ro, view, ro.query("SELECT * WHERE x > 1")):
        for write in _writes(obj):
            with pytest.raises(ReadOnlyModeError):
                write()
    with pytest.raises(ReadOnlyModeError):
        ro.metadata["k"] = 1
    assert deeplake.open_read_only(small)["x"][:].tolist() == [1, 2, 3]


# ----------------------------------------------------------------------------- rows & columns


def test_rows_columns_and_schema(small):
    ds = deeplake.open(small)
    assert ds.x[-1] == 3 and ds["t"][[2, 0]] == ["c", "a"]
    assert ds[1]["t"] == "b" and ds[1].to_dict() == {"x": 2, "t": "b"}
    ds[1]["t"] = "B"
    ds["x"][0] = 10
    assert ds["t"][:] == ["a", "B", "c"] and ds["x"][:].tolist() == [10, 2, 3]
    with pytest.raises(IndexError):
        ds[3]
    with pytest.raises(TensorDoesNotExistError):
        ds["nope"]
    with pytest.raises(TensorAlreadyExistsError):
        ds.add_column("x", "int32")
    ds.add_column("y", types.Float32(), default_value=1.5)
    assert ds["y"][:].tolist() == [1.5, 1.5, 1.5]
    ds.rename_column("y", "w")
    assert sorted(ds.schema) == ["t", "w", "x"]
    ds.remove_column("w")
    assert "w" not in ds.schema and len(ds.schema) == 2
    ds.append([{"x": 4}])  # t left out: empty text
    assert ds["t"][3] == "" and len(ds) == 4
    view = ds[1:3]
    assert [r["x"] for r in view] == [2, 3] and view[0].row_id == 1
    assert list(ds["x"].get_async(slice(1, 3)).result()) == [2, 3]
    ds.delete(-1)
    assert len(ds) == 3
    with pytest.raises(TypeError):
        ds.append({"x": 5})
    with pytest.raises(ValueError):
        ds.append({"x": [1, 2], "t": ["a"]})
    batches = list(ds.batches(2))
    assert [b["x"].tolist() for b in batches] == [[10, 2], [3]]
    assert [b["t"] for b in ds.batches(2, drop_last=True)] == [["a", "B"]]


def test_properties(tmp_path):
    path = str(tmp_path / "props")
    ds = deeplake.create(path)
    assert ds.name == "props" and ds.description == "" and ds.creds_key is None
    ds.name = "animals"
    ds.description = "pets"
    ds.set_creds_key("my_key")
    ds.indexing_mode = deeplake.IndexingMode.Off
    ro = deeplake.open_read_only(path)
    assert (ro.name, ro.description, ro.creds_key) == ("animals", "pets", "my_key")
    assert ro.indexing_mode is deeplake.IndexingMode.Off
    assert ro.id == ds.id and ro.created_time == ds.created_time
    assert ds.created_time.year >= 2024
    # a dataset made through Deep Lake 3 has an id and a creation time too
    old = deeplake.empty(str(tmp_path / "old"))
    v4 = deeplake.open_read_only(str(tmp_path / "old"))
    assert v4.id == old.version_id and v4.created_time is not None


def test_types_parse_and_json():
    assert types.parse_type("float32") == types.Float32()
    assert types.parse_type(int) == types.Int64()
    assert types.parse_type(types.Int8) == types.Int8()
    assert types.parse_type("text") == types.Text()
    assert types.parse_type("sequence[int32]").htype == "sequence[generic]"
    assert types.parse_type("acme.xray") == types.Htype("acme.xray")
    for t in (
        types.Image(sample_compression="jpeg"),
        types.Sequence(types.Image()),
        types.Link(types.Image()),
        types.BoundingBox(format="ltwh", bbox_type="pixel"),
        types.Embedding(8, "float16"),
        types.Array("int16", shape=[2, 3]),
        types.Medical("nii.gz"),
        types.Htype("acme.xray", window=[0, 1]),
    ):
        assert types.Type.from_json(t.to_json()) == t
    with pytest.raises(ValueError):
        types.BoundingBox(format="xyz")
    with pytest.raises(TypeError):
        types.parse_type(object())
    assert types.BoundingBox(format="ltwh").tensor_args()["coords"] == {"mode": "LTWH"}


def test_third_party_htype_as_a_type(mem_url):
    from deeplake_core.plugins import hookimpl, register
    from deeplake_core.plugins.specs import HtypeSpec

    class Plugin:
        @hookimpl
        def register_htypes(self):
            return [HtypeSpec(name="acme.score", dtype="float32")]

    with register(Plugin(), name="acme-v4-test"):
        ds = deeplake.create(mem_url)
        ds.add_column("s", types.Htype("acme.score"))
        ds.append([{"s": np.ones(3)}])
        assert ds.schema["s"].dtype == types.Htype("acme.score")
        assert ds["s"][0].tolist() == [1.0, 1.0, 1.0]
        assert deeplake.load(mem_url).s.htype == "acme.score"


def test_array_shape_is_checked(mem_url):
    ds = deeplake.create(mem_url)
    ds.add_column("a", types.Array("float32", shape=[2]))
    ds.append([{"a": [1, 2]}])
    with pytest.raises(ValueError, match="shape"):
        ds.append([{"a": [1, 2, 3]}])
    assert len(ds) == 1

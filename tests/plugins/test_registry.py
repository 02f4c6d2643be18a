"""Registry lookups, lazy implementations, conflicts, ``replaces`` and preferences."""

from __future__ import annotations

import sys

import pytest

import deeplake_core
from deeplake_core.exceptions import MissingPluginError as ExcMissingPluginError
from deeplake_core.plugins import (
    MissingPluginError,
    PluginConflictError,
    PluginError,
    PluginLoadError,
    PluginWarning,
    get_registry,
    prefer,
)
from deeplake_core.plugins.specs import (
    CodecSpec,
    HtypeSpec,
    PluginInfo,
    QueryFunctionSpec,
    StorageProviderSpec,
)
from deeplake_core.testing.plugins import plugin_object


def test_builtin_plugin_provides_kernel_names(only) -> None:
    only()
    reg = get_registry()
    assert {"generic", "text", "json", "list"} <= set(reg.htypes.names())
    assert "lz4" in reg.codecs
    assert reg.storage_providers.for_scheme("mem").name == "memory"
    assert reg.storage_providers.for_scheme("").name == "local"
    assert reg.storage_providers.for_scheme("FILE").name == "local"
    prov = reg.htypes.provenance("text")
    assert (prov.plugin, prov.distribution, prov.version) == (
        "builtin",
        "deeplake-core",
        deeplake_core.__version__,
    )
    assert prov.entry_point == "deeplake_core.builtin._plugin"
    assert isinstance(reg.htypes.get("text"), HtypeSpec)
    assert reg["htype"] is reg.htypes and reg["codecs"] is reg.codecs
    assert get_registry() is reg  # cached


def test_missing_name_names_the_distribution_to_install() -> None:
    reg = get_registry()
    with pytest.raises(MissingPluginError) as info:
        reg.htypes.get("acme.dicom", distribution="deeplake-dicom", version_spec=">=0.3")
    err = info.value
    assert isinstance(err, ExcMissingPluginError)  # same class via deeplake_core.exceptions
    assert (err.kind, err.name, err.distribution, err.version_spec) == (
        "htypes",
        "acme.dicom",
        "deeplake-dicom",
        ">=0.3",
    )
    assert "htype 'acme.dicom'" in str(err)
    assert "pip install 'deeplake-dicom>=0.3'" in str(err)
    assert "acme.dicom" not in reg.htypes


def test_missing_scheme() -> None:
    with pytest.raises(MissingPluginError, match="nosuch://"):
        get_registry().storage_providers.for_scheme("nosuch")


def test_fallback_scheme_serves_unknown_schemes(registered) -> None:
    spec = StorageProviderSpec(name="acme.any", schemes=frozenset({"*"}), impl="x.y:Z")
    registered(plugin_object("anyfs", register_storage_providers=[spec]))
    providers = get_registry().storage_providers
    assert providers.for_scheme("weird").name == "acme.any"
    assert providers.for_scheme("mem").name == "memory"  # exact scheme first
    assert providers.schemes()["*"] == "acme.any"


def test_query_functions_are_case_insensitive(registered) -> None:
    spec = QueryFunctionSpec(name="acme_contains", impl="builtins:len")
    registered(plugin_object("qf", register_query_functions=[spec]))
    qf = get_registry().query_functions
    assert qf.get("ACME_CONTAINS") is qf.get("acme_contains")
    assert "Acme_Contains" in qf
    assert qf.load("ACME_CONTAINS") is len


def test_aliases_resolve_to_the_spec(registered) -> None:
    spec = HtypeSpec(name="acme.intrinsics", aliases=frozenset({"acme.intrinsic"}))
    registered(plugin_object("al", register_htypes=[spec]))
    htypes = get_registry().htypes
    assert htypes.get("acme.intrinsic") is spec
    assert htypes.canonical("acme.intrinsic") == "acme.intrinsics"
    assert "acme.intrinsic" not in htypes.names()
    assert "acme.intrinsic" in htypes


IMPL_SOURCE = """
LOADS = []

class Codec:
    def __init__(self):
        LOADS.append(1)

class Behavior:
    pass

def func():
    return 42
"""


def test_impl_strings_are_imported_lazily_and_cached(fake_distribution, registered) -> None:
    fake_distribution("acme-impl", files={"acme_lazy_impl": IMPL_SOURCE})
    plugin = plugin_object(
        "lazy",
        register_codecs=[CodecSpec(name="acme.codec", impl="acme_lazy_impl:Codec")],
        register_htypes=[
            HtypeSpec(name="acme.h", behavior="acme_lazy_impl:Behavior"),
            HtypeSpec(name="acme.plain"),
        ],
        register_query_functions=[QueryFunctionSpec(name="acme_f", impl="acme_lazy_impl:func")],
    )
    registered(plugin)
    reg = get_registry()
    assert reg.codecs.get("acme.codec").impl == "acme_lazy_impl:Codec"
    assert "acme_lazy_impl" not in sys.modules
    codec = reg.codecs.load("acme.codec")
    module = sys.modules["acme_lazy_impl"]
    assert isinstance(codec, module.Codec)
    assert reg.codecs.load("acme.codec") is codec
    assert module.LOADS == [1]
    assert reg.htypes.load("acme.h") is module.Behavior
    assert reg.htypes.load("acme.plain") is None
    assert reg.query_functions.load("acme_f")() == 42


def test_load_failures_name_the_plugin(registered) -> None:
    plugin = plugin_object(
        "brokenimpl",
        register_codecs=[
            CodecSpec(name="acme.nomod", impl="acme_no_such_module:Codec"),
        ],
        register_storage_providers=[
            StorageProviderSpec(
                name="acme.needs",
                schemes=frozenset({"needs"}),
                impl="builtins:object",
                requires=("acme_missing_sdk",),
                install_hint="pip install acme-sdk",
            )
        ],
    )
    registered(plugin)
    reg = get_registry()
    with pytest.raises(PluginLoadError, match="acme_no_such_module:Codec") as info:
        reg.codecs.load("acme.nomod")
    assert "brokenimpl" in str(info.value)
    assert isinstance(info.value.__cause__, ImportError)
    with pytest.raises(PluginLoadError, match="pip install acme-sdk"):
        reg.storage_providers.load("acme.needs")


HTYPE = {"name": "acme.scan"}


def test_conflict_names_both_providers(make_plugin, only) -> None:
    make_plugin("acme-one", "one", {"htypes": [HTYPE]}, version="1.2")
    make_plugin("acme-two", "two", {"htypes": [HTYPE]}, version="3.4")
    only("one", "two")
    with pytest.warns(PluginWarning, match="acme.scan"):
        reg = get_registry()
    with pytest.raises(PluginConflictError) as info:
        reg.htypes.get("acme.scan")
    text = str(info.value)
    for part in ("acme-one 1.2", "entry point one = one_entry", "acme-two 3.4", "two = two_entry"):
        assert part in text
    assert "DEEPLAKE_CORE_PREFER='htypes.acme.scan=<plugin>'" in text
    assert "acme.scan" not in reg.htypes
    assert reg.htypes.conflicts()["acme.scan"] == info.value.providers
    assert "text" in reg.htypes  # everything else still works


def test_replaces_wins_without_a_conflict(make_plugin, only) -> None:
    make_plugin("acme-one", "one", {"htypes": [HTYPE]})
    make_plugin(
        "acme-two",
        "two",
        {"htypes": [{**HTYPE, "replaces": "acme.scan", "description": "better"}]},
    )
    only("one", "two")
    reg = get_registry()
    assert reg.htypes.get("acme.scan").description == "better"
    assert reg.htypes.provenance("acme.scan").distribution == "acme-two"
    assert reg.htypes.conflicts() == {}


def test_replacing_a_builtin_under_another_name(registered) -> None:
    spec = HtypeSpec(name="acme.text", replaces="text", fixed_dtype="str")
    registered(plugin_object("mytext", register_htypes=[spec]))
    htypes = get_registry().htypes
    assert htypes.get("text") is spec
    assert htypes.canonical("text") == "acme.text"
    assert "text" not in htypes.names()


@pytest.mark.parametrize("chosen", ["two", "acme-two", "Acme_Two"])
def test_preference_from_the_environment(make_plugin, only, monkeypatch, chosen) -> None:
    make_plugin("acme-one", "one", {"htypes": [HTYPE]})
    make_plugin("acme-two", "two", {"htypes": [HTYPE]})
    monkeypatch.setenv("DEEPLAKE_CORE_PREFER", f"htype.acme.scan={chosen}, codecs.x=y")
    only("one", "two")
    reg = get_registry()
    assert reg.htypes.provenance("acme.scan").plugin == "two"


def test_prefer_call_overrides_the_environment(make_plugin, only, monkeypatch) -> None:
    make_plugin("acme-one", "one", {"htypes": [HTYPE]})
    make_plugin("acme-two", "two", {"htypes": [HTYPE]})
    monkeypatch.setenv("DEEPLAKE_CORE_PREFER", "htypes.acme.scan=two")
    only("one", "two")
    first = get_registry()
    assert first.htypes.provenance("acme.scan").plugin == "two"
    prefer("htypes", "acme.scan", "one")
    assert get_registry() is not first
    assert get_registry().htypes.provenance("acme.scan").plugin == "one"


def test_preference_naming_no_provider_keeps_the_conflict(registered) -> None:
    registered(plugin_object("p1", register_codecs=[CodecSpec(name="acme.c", impl="a:b")]))
    registered(plugin_object("p2", register_codecs=[CodecSpec(name="acme.c", impl="a:c")]))
    prefer("codecs", "acme.c", "nobody")
    with pytest.warns(PluginWarning), pytest.raises(PluginConflictError, match="p1"):
        get_registry().codecs.get("acme.c")


@pytest.mark.parametrize("bad", ["image=acme", "nokind.image=acme", "htypes.image="])
def test_malformed_preference_is_refused(monkeypatch, bad) -> None:
    monkeypatch.setenv("DEEPLAKE_CORE_PREFER", bad)
    with pytest.raises(PluginError, match="DEEPLAKE_CORE_PREFER"):
        get_registry()


def test_scheme_conflicts_and_their_resolution(registered) -> None:
    def provider(name: str, **kw) -> StorageProviderSpec:
        return StorageProviderSpec(name=name, schemes=frozenset({"acme"}), impl="a:b", **kw)

    registered(plugin_object("s1", register_storage_providers=[provider("acme.s1")]))
    registered(plugin_object("s2", register_storage_providers=[provider("acme.s2")]))
    with pytest.warns(PluginWarning):
        reg = get_registry()
    with pytest.raises(PluginConflictError, match="s1"):
        reg.storage_providers.for_scheme("acme")
    assert reg.storage_providers.get("acme.s1").name == "acme.s1"  # names are fine
    prefer("storage_providers", "acme", "s2")
    assert get_registry().storage_providers.name_for_scheme("acme") == "acme.s2"


def test_scheme_taken_over_by_replaces(registered) -> None:
    over = StorageProviderSpec(
        name="acme.mem", schemes=frozenset({"mem"}), impl="a:b", replaces="memory"
    )
    registered(plugin_object("fastmem", register_storage_providers=[over]))
    assert get_registry().storage_providers.for_scheme("mem") is over


def test_alias_colliding_with_another_name_is_a_conflict(registered) -> None:
    registered(
        plugin_object(
            "aliaser", register_htypes=[HtypeSpec(name="acme.a", aliases=frozenset({"json"}))]
        )
    )
    with pytest.warns(PluginWarning):
        reg = get_registry()
    with pytest.raises(PluginConflictError, match="builtin"):
        reg.htypes.get("json")
    assert reg.htypes.get("acme.a").name == "acme.a"


def test_plugin_info_is_optional_in_process(registered) -> None:
    handle = registered(plugin_object("noinfo", register_htypes=[HtypeSpec(name="acme.noinfo")]))
    assert handle.name == "noinfo"
    assert get_registry().htypes.provenance("acme.noinfo").describe() == (
        "plugin 'noinfo' (registered in-process)"
    )


def test_registry_repr_and_listing(registered) -> None:
    registered(
        plugin_object(
            "lister",
            plugin_info=PluginInfo(api=1, description="d"),
            register_htypes=[HtypeSpec(name="acme.z"), HtypeSpec(name="acme.y")],
        )
    )
    htypes = get_registry().htypes
    names = htypes.names()
    assert names == sorted(names) and {"acme.y", "acme.z"} <= set(names)
    assert [n for n, _ in htypes.items()] == names
    assert list(htypes) == names and len(htypes) == len(names)
    assert "acme.y" in repr(htypes) and "htypes=" in repr(get_registry())

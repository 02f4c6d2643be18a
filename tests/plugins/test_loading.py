"""Discovery through real entry points: selection, blocking, versions, broken plugins."""

from __future__ import annotations

import logging
import sys

import pytest

import deeplake_core
from deeplake_core.plugins import (
    MissingPluginError,
    PluginError,
    PluginLoadError,
    PluginSpecError,
    PluginWarning,
    block,
    emit,
    get_registry,
    list_plugins,
    unblock,
)
from deeplake_core.plugins.specs import HtypeSpec
from deeplake_core.testing.plugins import plugin_object

SCAN = {"name": "acme.scan"}


def status(name: str) -> tuple[str, str | None]:
    record = next(r for r in list_plugins(load=True) if r.name == name)
    return record.status, record.reason


def test_fake_distribution_is_discovered_and_loaded(make_plugin, only) -> None:
    make_plugin("acme-htypes", "acme", {"htypes": [SCAN]}, version="2.5")
    only("acme")
    reg = get_registry()
    prov = reg.htypes.provenance("acme.scan")
    assert (prov.plugin, prov.distribution, prov.version, prov.entry_point) == (
        "acme",
        "acme-htypes",
        "2.5",
        "acme_entry",
    )
    record = next(r for r in list_plugins(load=True) if r.name == "acme")
    assert record.status == "loaded" and record.api == 1
    assert record.provides == {"htypes": ["acme.scan"]}


def test_selection_by_environment(make_plugin, only) -> None:
    make_plugin("acme-a", "a", {"htypes": [{"name": "acme.a"}]})
    make_plugin("acme-b", "b", {"htypes": [{"name": "acme.b"}]})
    only("a")
    reg = get_registry()
    assert "acme.a" in reg.htypes and "acme.b" not in reg.htypes
    assert status("b") == ("disabled", "not selected (DEEPLAKE_CORE_PLUGINS)")
    assert "text" in reg.htypes  # the builtin is always loaded
    with pytest.raises(MissingPluginError, match=r"plugin 'b' \(acme-b 1.0.*is not loaded"):
        reg.htypes.get("acme.b")


def test_empty_selection_loads_only_the_builtin(make_plugin, only) -> None:
    make_plugin("acme-a", "a", {"htypes": [{"name": "acme.a"}]})
    only()
    assert "acme.a" not in get_registry().htypes
    assert "a_entry" not in sys.modules
    assert [r.name for r in list_plugins(load=True) if r.status == "loaded"] == ["builtin"]


def test_autoload_disabled(make_plugin, monkeypatch) -> None:
    make_plugin("acme-a", "a", {"htypes": [{"name": "acme.a"}]})
    monkeypatch.setenv("DEEPLAKE_CORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    reg = get_registry()
    assert "acme.a" not in reg.htypes and "generic" in reg.htypes
    assert status("a") == (
        "disabled",
        "plugin autoload disabled (DEEPLAKE_CORE_DISABLE_PLUGIN_AUTOLOAD)",
    )
    # An explicit selection still loads plugins with autoload disabled.
    monkeypatch.setenv("DEEPLAKE_CORE_PLUGINS", "a")
    deeplake_core.plugins.reset_registry()
    assert "acme.a" in get_registry().htypes


@pytest.mark.parametrize("token", ["a", "acme-a", "ACME_A"])
def test_block_by_entry_point_or_distribution_name(make_plugin, only, monkeypatch, token) -> None:
    make_plugin("acme-a", "a", {"htypes": [{"name": "acme.a"}]})
    only("a")
    monkeypatch.setenv("DEEPLAKE_CORE_BLOCK_PLUGINS", f"{token}")
    reg = get_registry()
    assert "acme.a" not in reg.htypes
    assert "a_entry" not in sys.modules  # blocked before import
    assert status("a")[0] == "blocked"
    with pytest.raises(MissingPluginError, match=r"is not loaded .blocked"):
        reg.htypes.get("acme.a")


def test_block_and_unblock_at_run_time(make_plugin, only) -> None:
    make_plugin("acme-a", "a", {"htypes": [{"name": "acme.a"}]})
    only("a")
    assert "acme.a" in get_registry().htypes
    block("acme-a")
    assert "acme.a" not in get_registry().htypes
    assert status("a")[0] == "blocked"
    unblock("acme-a")
    assert "acme.a" in get_registry().htypes
    assert status("a")[0] == "loaded"


def test_block_before_first_use(make_plugin, only) -> None:
    make_plugin("acme-a", "a", {"htypes": [{"name": "acme.a"}]})
    only("a")
    block("a")
    assert "acme.a" not in get_registry().htypes
    assert "a_entry" not in sys.modules


def test_names_matching_nothing_warn(monkeypatch) -> None:
    monkeypatch.setenv("DEEPLAKE_CORE_BLOCK_PLUGINS", "no-such-plugin")
    monkeypatch.setenv("DEEPLAKE_CORE_PLUGINS", "other-missing")
    with pytest.warns(PluginWarning, match="'no-such-plugin', 'other-missing'"):
        get_registry()
    with pytest.warns(PluginWarning, match="'typo'"):
        block("typo")


@pytest.mark.parametrize("token", ["builtin", "deeplake-core", "deeplake_core"])
def test_the_builtin_cannot_be_blocked(monkeypatch, token) -> None:
    with pytest.raises(PluginError, match="essential"):
        block(token)
    monkeypatch.setenv("DEEPLAKE_CORE_BLOCK_PLUGINS", token)
    deeplake_core.plugins.reset_registry()
    with pytest.raises(PluginError, match="essential"):
        get_registry()


def test_other_plugin_api_major_is_incompatible(make_plugin, only) -> None:
    make_plugin("acme-future", "future", {"htypes": [{"name": "acme.f"}]}, api=2)
    only("future")
    with pytest.warns(PluginWarning, match="plugin API 2"):
        reg = get_registry()
    state, reason = status("future")
    assert state == "incompatible"
    for part in (
        "'future'",
        "acme-future 1.0",
        "plugin API 2",
        "plugin API 1",
        deeplake_core.__version__,
    ):
        assert part in reason
    with pytest.raises(MissingPluginError, match=r"failed to load.*plugin API 2"):
        reg.htypes.get("acme.f")


def test_missing_plugin_info_is_incompatible(make_plugin, only) -> None:
    make_plugin("acme-old", "old", {"htypes": [{"name": "acme.o"}]}, api=0)
    only("old")
    with pytest.warns(PluginWarning):
        get_registry()
    state, reason = status("old")
    assert state == "incompatible" and "plugin_info" in reason


def test_requires_dist_excluding_the_kernel(make_plugin, only) -> None:
    make_plugin(
        "acme-req",
        "req",
        {"htypes": [{"name": "acme.r"}]},
        requires=["numpy", "deeplake-core>=99", "deeplake_core<0; extra == 'dev'"],
    )
    only("req")
    with pytest.warns(PluginWarning, match="deeplake-core>=99"):
        get_registry()
    state, reason = status("req")
    assert state == "incompatible"
    assert f"deeplake-core {deeplake_core.__version__} is running" in reason
    assert "req_entry" not in sys.modules  # refused from metadata, never imported


def test_requires_dist_accepting_the_kernel(make_plugin, only) -> None:
    make_plugin(
        "acme-req",
        "req",
        {"htypes": [{"name": "acme.r"}]},
        requires=["deeplake-core>=0.1,<99", "deeplake-core<0; extra == 'dev'"],
    )
    only("req")
    assert "acme.r" in get_registry().htypes


BROKEN_IMPORT = "raise ImportError('needs libfoo')\n"


def test_broken_import_does_not_break_the_kernel(make_plugin, only) -> None:
    make_plugin("acme-broken", "broken", source=BROKEN_IMPORT)
    make_plugin("acme-good", "good", {"htypes": [{"name": "acme.good"}]})
    only("broken", "good")
    with pytest.warns(PluginWarning, match="needs libfoo") as warned:
        reg = get_registry()
        get_registry()
    assert len([w for w in warned if "needs libfoo" in str(w.message)]) == 1  # warned once
    assert "acme.good" in reg.htypes and "text" in reg.htypes
    state, reason = status("broken")
    assert state == "failed" and "ImportError: needs libfoo" in reason
    with pytest.raises(MissingPluginError) as info:
        reg.htypes.get("acme.unknown")
    assert "plugin 'broken' (acme-broken 1.0" in str(info.value)
    assert "failed to load" in str(info.value) and "it may provide it" in str(info.value)


def test_broken_plugin_is_shown_by_listing(make_plugin, only) -> None:
    make_plugin("acme-broken", "broken", source=BROKEN_IMPORT)
    only("broken")
    assert [r.status for r in list_plugins() if r.name == "broken"] == ["not loaded"]
    with pytest.warns(PluginWarning):
        records = list_plugins(load=True)
    (record,) = [r for r in records if r.name == "broken"]
    assert record.status == "failed" and "needs libfoo" in record.reason


def test_registry_hook_raising(make_plugin, only) -> None:
    extra = """
    @hookimpl
    def register_codecs():
        raise RuntimeError("boom")
    """
    make_plugin("acme-raise", "raiser", {"htypes": [{"name": "acme.h"}]}, extra=extra)
    only("raiser")
    with pytest.warns(PluginWarning, match="register_codecs.. raised RuntimeError: boom"):
        reg = get_registry()
    assert status("raiser")[0] == "failed"
    assert "acme.h" not in reg.htypes


def test_bad_spec_fails_the_plugin_and_names_it(make_plugin, only) -> None:
    specs = {"htypes": [{"name": "acme.ok"}, {"name": "acme.bad", "dtype": "not-a-dtype"}]}
    make_plugin("acme-bad", "bad", specs)
    only("bad")
    with pytest.warns(PluginWarning, match="acme.bad"):
        reg = get_registry()
    state, reason = status("bad")
    assert state == "failed"
    assert "invalid htype spec 'acme.bad'" in reason and "dtype" in reason
    for name in ("acme.bad", "acme.ok"):
        with pytest.raises(PluginSpecError, match=r"plugin 'bad' \(acme-bad 1.0") as info:
            reg.htypes.get(name)
        assert isinstance(info.value, PluginLoadError)
        assert not isinstance(info.value, MissingPluginError)


@pytest.mark.parametrize(
    "specs",
    [
        {"htypes": {"name": "acme.x"}},  # not a list
        {"htypes": [{"name": "acme.x", "unknown_field": 1}]},
        {"htypes": [{"name": "Bad Name"}]},
        {"htypes": [{"name": "acme.x"}, {"name": "acme.x"}]},
        {"codecs": [{"name": "acme.c"}]},  # impl missing
    ],
)
def test_invalid_specs_are_plugin_spec_errors(make_plugin, only, specs) -> None:
    make_plugin("acme-inv", "inv", specs)
    only("inv")
    with pytest.warns(PluginWarning):
        get_registry()
    state, reason = status("inv")
    assert state == "failed" and "plugin 'inv'" in reason


def test_cross_check_missing_codec(make_plugin, only) -> None:
    specs = {
        "htypes": [
            {"name": "acme.xray", "default_sample_compression": "acme.nocodec"},
            {"name": "acme.fine", "allowed_compressions": frozenset({"lz4"})},
        ]
    }
    make_plugin("acme-xray", "xray", specs)
    only("xray")
    with pytest.warns(PluginWarning, match="acme.nocodec"):
        reg = get_registry()
    with pytest.raises(PluginSpecError) as info:
        reg.htypes.get("acme.xray")
    text = str(info.value)
    assert "plugin 'xray' (acme-xray 1.0" in text and "codec 'acme.nocodec'" in text
    assert "acme.fine" in reg.htypes
    record = next(r for r in list_plugins(load=True) if r.name == "xray")
    assert record.status == "loaded" and any("acme.nocodec" in p for p in record.problems)


def test_cross_check_codec_of_a_failed_plugin(make_plugin, only) -> None:
    make_plugin(
        "acme-codecs",
        "codecs",
        {"codecs": [{"name": "acme.c", "impl": "x:y"}, {"name": "acme.d", "impl": "bad"}]},
    )
    make_plugin(
        "acme-h", "h", {"htypes": [{"name": "acme.h", "default_chunk_compression": "acme.c"}]}
    )
    only("codecs", "h")
    with pytest.warns(PluginWarning):
        reg = get_registry()
    with pytest.raises(PluginSpecError, match=r"codec 'acme.c'.*unusable.*codecs"):
        reg.htypes.get("acme.h")


def test_cross_check_base_and_allowed_defaults(registered) -> None:
    specs = [
        HtypeSpec(name="acme.child", base="acme.nobase"),
        HtypeSpec(
            name="acme.odd",
            default_sample_compression="lz4",
            allowed_compressions=frozenset({"acme.other"}),
        ),
        HtypeSpec(name="acme.rgb", base="generic"),
    ]
    registered(plugin_object("crossy", register_htypes=specs))
    with pytest.warns(PluginWarning):
        reg = get_registry()
    with pytest.raises(PluginSpecError, match=r"base htype 'acme\.nobase'"):
        reg.htypes.get("acme.child")
    with pytest.raises(PluginSpecError, match="'lz4' is not in allowed_compressions"):
        reg.htypes.get("acme.odd")
    assert reg.htypes.get("acme.rgb").base == "generic"


def test_same_entry_point_name_in_two_distributions(make_plugin, only) -> None:
    make_plugin("acme-one", "twin", {"htypes": [{"name": "acme.one"}]}, module="twin_one")
    make_plugin("acme-two", "twin", {"htypes": [{"name": "acme.two"}]}, module="twin_two")
    only("twin")
    with pytest.warns(PluginWarning, match="declared by several distributions"):
        reg = get_registry()
    assert "acme.one" not in reg.htypes and "acme.two" not in reg.htypes
    states = [r.status for r in list_plugins(load=True) if r.name == "twin"]
    assert states == ["failed", "failed"]
    # Blocking one distribution resolves it.
    block("acme-two")
    assert "acme.one" in get_registry().htypes
    unblock("acme-two")
    assert "acme.one" not in get_registry().htypes


def test_builtin_name_is_reserved(make_plugin, only) -> None:
    make_plugin("acme-fake", "builtin", {"htypes": [{"name": "acme.fake"}]})
    only("acme-fake")
    with pytest.warns(PluginWarning, match="reserved"):
        reg = get_registry()
    assert "acme.fake" not in reg.htypes and "text" in reg.htypes


def test_unknown_hook_fails_unless_optional(make_plugin, only) -> None:
    typo = """
    @hookimpl
    def register_htype():
        return []
    """
    optional = """
    @hookimpl(optionalhook=True)
    def register_future_things():
        return []
    """
    make_plugin("acme-typo", "typo", {"htypes": [{"name": "acme.t"}]}, extra=typo)
    make_plugin("acme-opt", "opt", {"htypes": [{"name": "acme.o"}]}, extra=optional)
    only("typo", "opt")
    with pytest.warns(PluginWarning, match="unknown hook 'register_htype'"):
        reg = get_registry()
    assert "acme.o" in reg.htypes and "acme.t" not in reg.htypes


def test_event_hooks_are_listed(make_plugin, only) -> None:
    extra = """
    @hookimpl
    def on_commit(dataset, commit_id):
        pass

    @hookimpl
    def on_dataset_created(dataset):
        pass
    """
    make_plugin("acme-ev", "ev", {}, extra=extra)
    only("ev")
    (record,) = [r for r in list_plugins(load=True) if r.name == "ev"]
    assert record.hooks == ["on_dataset_created", "on_commit"]


def test_plugin_using_the_registry_at_import_fails_cleanly(make_plugin, only) -> None:
    source = """
    from deeplake_core.plugins import get_registry
    get_registry()
    """
    make_plugin("acme-eager", "eager", source=source)
    only("eager")
    with pytest.warns(PluginWarning, match="must only declare specs"):
        reg = get_registry()
    assert "text" in reg.htypes


def test_tracing_logs_hook_calls(registered, monkeypatch, caplog) -> None:
    monkeypatch.setenv("DEEPLAKE_CORE_TRACE_PLUGINS", "1")
    monkeypatch.setenv("DEEPLAKE_CORE_PLUGINS", "")
    registered(plugin_object("traced", on_dataset_deleted=lambda path: None))
    with caplog.at_level(logging.DEBUG, logger="deeplake_core.plugins"):
        emit("on_dataset_deleted", path="/x")
    assert any(
        "on_dataset_deleted" in r.getMessage() and "traced" in r.getMessage()
        for r in caplog.records
    )

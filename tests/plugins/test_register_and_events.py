"""In-process registration and event hooks."""

from __future__ import annotations

import pytest

from deeplake_core.plugins import (
    IncompatiblePluginError,
    MissingPluginError,
    PluginCallError,
    PluginError,
    PluginHandle,
    PluginSpecError,
    PluginWarning,
    block,
    emit,
    get_registry,
    list_plugins,
    register,
    unblock,
)
from deeplake_core.plugins.specs import HtypeSpec, PluginInfo
from deeplake_core.testing.plugins import plugin_object

MINE = HtypeSpec(name="acme.mine")


def test_register_context_manager_unregisters_and_invalidates() -> None:
    before = get_registry()
    with register(plugin_object("mine", register_htypes=[MINE])) as handle:
        assert isinstance(handle, PluginHandle) and handle.name == "mine"
        during = get_registry()
        assert during is not before
        assert during.htypes.get("acme.mine") is MINE
        assert during.htypes.provenance("acme.mine").plugin == "mine"
        assert any(r.name == "mine" and r.status == "loaded" for r in list_plugins(load=True))
        assert "registered" in repr(handle)
    after = get_registry()
    assert after is not during
    with pytest.raises(MissingPluginError):
        after.htypes.get("acme.mine")
    assert all(r.name != "mine" for r in list_plugins(load=True))
    handle.unregister()  # idempotent
    assert "unregistered" in repr(handle)


def test_registered_fixture(registered) -> None:
    registered(plugin_object("fx", register_htypes=[MINE]), name="fixture-plugin")
    assert get_registry().htypes.provenance("acme.mine").plugin == "fixture-plugin"


def test_plugin_registry_fixture_follows_changes(plugin_registry, registered) -> None:
    assert "acme.mine" not in plugin_registry.htypes
    registered(plugin_object("fx", register_htypes=[MINE]))
    assert "acme.mine" in plugin_registry.htypes
    assert "htypes=" in repr(plugin_registry) and plugin_registry["htypes"] is not None


def test_register_refuses_taken_and_blocked_names(registered) -> None:
    registered(plugin_object("taken"))
    with pytest.raises(PluginError, match="already registered"):
        register(plugin_object("other"), name="taken")
    with pytest.raises(PluginError, match="already registered"):
        register(plugin_object("other"), name="builtin")
    with pytest.warns(PluginWarning, match="blocked-one"):
        block("blocked-one")
    with pytest.raises(PluginError, match=r"unblock\('blocked-one'\)"):
        register(plugin_object("blocked-one"))
    unblock("blocked-one")
    registered(plugin_object("blocked-one"))


def test_register_validates_specs_at_once() -> None:
    bad = plugin_object("bad", register_htypes=[{"name": "acme.bad", "dtype": "nope"}])
    with pytest.raises(PluginSpecError, match=r"plugin 'bad'.*dtype"):
        register(bad)
    assert all(r.name != "bad" for r in list_plugins(load=True))
    register(plugin_object("bad", register_htypes=[MINE])).unregister()  # name is free


def test_register_checks_the_api_version() -> None:
    old = plugin_object("old", plugin_info=PluginInfo(api=0))
    with pytest.raises(IncompatiblePluginError, match="plugin API 0"):
        register(old)
    odd = plugin_object("odd", plugin_info={"api": "x"})
    with pytest.raises(PluginSpecError, match="plugin_info"):
        register(odd)


def test_blocking_an_in_process_plugin_removes_it(registered) -> None:
    registered(plugin_object("gone", register_htypes=[MINE]))
    assert "acme.mine" in get_registry().htypes
    block("gone")
    assert "acme.mine" not in get_registry().htypes


def test_historic_on_configured_replays_for_late_plugins(registered) -> None:
    seen: list[object] = []
    config = {"cache": 1}
    assert emit("on_configured", config=config) == []
    registered(plugin_object("late", on_configured=lambda config: seen.append(config)))
    assert seen == [config]
    emit("on_configured", config="second")
    assert seen == [config, "second"]


def test_historic_replay_error_refuses_the_plugin() -> None:
    emit("on_configured", config={})

    def explode(config):
        raise ValueError("bad config")

    with pytest.raises(PluginCallError, match=r"'angry'.*on_configured.*bad config"):
        register(plugin_object("angry", on_configured=explode))
    assert all(r.name != "angry" for r in list_plugins(load=True))


def test_emit_calls_every_plugin_and_returns_results(registered) -> None:
    calls: list[tuple[str, object, str]] = []

    def on_commit_a(dataset, commit_id, message):
        calls.append(("a", dataset, commit_id))
        return "a-result"

    def on_commit_b(commit_id):  # a subset of the arguments is fine
        calls.append(("b", None, commit_id))

    registered(plugin_object("a", on_commit=on_commit_a))
    registered(plugin_object("b", on_commit=on_commit_b))
    results = emit("on_commit", dataset="ds", commit_id="c1", message="m")
    assert results == ["a-result"]
    assert sorted(calls) == [("a", "ds", "c1"), ("b", None, "c1")]


def test_emit_wraps_errors_with_the_plugin_name(registered) -> None:
    def fine(dataset):
        return None

    def failing(dataset):
        raise KeyError("missing")

    registered(plugin_object("fine", on_dataset_opened=fine))
    registered(plugin_object("failing", on_dataset_opened=failing))
    with pytest.raises(PluginCallError) as info:
        emit("on_dataset_opened", dataset=object())
    err = info.value
    assert err.plugin == "failing" and err.hook == "on_dataset_opened"
    assert isinstance(err.__cause__, KeyError)
    assert "plugin 'failing' failed in hook 'on_dataset_opened'" in str(err)


def test_emit_rejects_unknown_events_and_arguments() -> None:
    with pytest.raises(PluginError, match="unknown event 'on_nothing'"):
        emit("on_nothing")
    with pytest.raises(TypeError, match="commit_id"):
        emit("on_commit", dataset=None)
    with pytest.raises(PluginError, match="unknown event 'register_htypes'"):
        emit("register_htypes")

"""Meta-tests: every hook is documented and classified, every kind has a hook."""

from __future__ import annotations

import inspect

from deeplake_core.plugins import hookspecs
from deeplake_core.plugins.specs import SPEC_KINDS


def all_hookspecs() -> dict[str, object]:
    return {
        name: fn
        for name, fn in vars(hookspecs).items()
        if callable(fn) and hasattr(fn, "deeplake_core_spec")
    }


def test_every_hook_is_documented() -> None:
    for name, fn in all_hookspecs().items():
        doc = inspect.getdoc(fn) or ""
        assert len(doc) > 40, f"hookspec {name} needs a docstring"
        assert "versionadded" in doc, f"hookspec {name} should say when it was added"


def test_hooks_are_classified() -> None:
    names = set(all_hookspecs())
    assert names == {"plugin_info", *hookspecs.REGISTRY_HOOKS.values(), *hookspecs.EVENT_HOOKS}
    assert set(hookspecs.REGISTRY_HOOKS) == set(SPEC_KINDS)
    assert set(hookspecs.EVENT_HOOKS) >= hookspecs.HISTORIC_HOOKS
    for name in hookspecs.REGISTRY_HOOKS.values():
        assert inspect.signature(all_hookspecs()[name]).parameters == {}
    historic = {n for n, fn in all_hookspecs().items() if fn.deeplake_core_spec.get("historic")}
    assert historic == hookspecs.HISTORIC_HOOKS

"""The provider passes the kernel's storage conformance suite and stores datasets."""

from __future__ import annotations

import uuid

import deeplake_core as deeplake
import numpy as np
import pytest
from deeplake_core import plugins
from deeplake_core.exceptions import MissingPluginError
from deeplake_core.storage import get_base_storage, open_storage
from deeplake_core.testing.storage import StorageProviderConformance, provider_state_machine

from {{ cookiecutter.module_name }}._impl import {{ cookiecutter.__class_name }}Provider
from {{ cookiecutter.module_name }}._plugin import SCHEME

DIST = "{{ cookiecutter.dist_name }}"
ENTRY_POINT = "{{ cookiecutter.__entry_point }}"


def fresh_url() -> str:
    return f"{SCHEME}://tests-{uuid.uuid4().hex}"


class Test{{ cookiecutter.__class_name }}Conformance(StorageProviderConformance):
    """Every check of the kernel's suite, gated by the declared capabilities."""

    def make_provider(self, tmp_path):
        return {{ cookiecutter.__class_name }}Provider(fresh_url())


#: Random operation sequences checked against a dict model; ``reopen`` checks that a
#: second provider on the same root sees the same data.
Test{{ cookiecutter.__class_name }}Stateful = provider_state_machine(
    lambda: {{ cookiecutter.__class_name }}Provider(fresh_url()),
    reopen=lambda p: {{ cookiecutter.__class_name }}Provider(p.root),
).TestCase


def test_urls_of_the_scheme_open_this_provider() -> None:
    storage = open_storage(fresh_url())
    assert isinstance(get_base_storage(storage), {{ cookiecutter.__class_name }}Provider)


def test_dataset_round_trip() -> None:
    url = fresh_url()
    ds = deeplake.empty(url)
    ds.create_tensor("vectors", dtype="int32")
    ds.vectors.extend(np.arange(20, dtype=np.int32).reshape(5, 4))
    ds.commit("first")
    ds.flush()

    again = deeplake.load(url)
    np.testing.assert_array_equal(again.vectors.numpy(), np.arange(20).reshape(5, 4))
    assert again.commit_id is not None


def test_missing_plugin_names_the_distribution(plugin_registry) -> None:
    """With the plugin blocked (as if uninstalled), opening a dataset at one of its
    URLs fails and names the blocked distribution."""
    url = fresh_url()
    ds = deeplake.empty(url)
    ds.create_tensor("labels")
    ds.labels.append(1)
    ds.flush()

    plugins.block(ENTRY_POINT)  # undone by the plugin_registry fixture
    with pytest.raises(MissingPluginError, match=DIST):
        deeplake.load(url)

"""Every hook a deeplake-core plugin can implement.

A plugin is a module (named by an entry point in the ``deeplake_core`` group) or any
object whose functions are decorated with :data:`deeplake_core.plugins.hookimpl`.
An implementation may accept a subset of a hook's arguments, so adding an argument
to a hook is compatible; renaming or removing one takes a new plugin API major.

**Registry hooks** take no arguments and return a list of spec models (or mappings
that validate into them). They describe data and must not depend on runtime state;
the kernel calls each plugin's implementation once per registry build, attributes
every spec to the plugin that returned it, and validates it. The same name provided
by two plugins is an error (:class:`~deeplake_core.exceptions.PluginConflictError`)
unless one spec declares ``replaces=<name>`` or the user states a preference
(``DEEPLAKE_CORE_PREFER`` / :func:`deeplake_core.plugins.prefer`). Load order never
decides.

**Event hooks** are called on every plugin implementing them, and their return values
are ignored. An exception raised by one is re-raised as
:class:`~deeplake_core.exceptions.PluginCallError` naming the plugin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deeplake_core.plugins._markers import hookspec
from deeplake_core.plugins.specs import (
    CodecSpec,
    HtypeSpec,
    IngestSourceSpec,
    IntegrationSpec,
    PluginInfo,
    QueryFunctionSpec,
    SchedulerSpec,
    StorageProviderSpec,
    VectorIndexSpec,
)

# ----------------------------------------------------------------- plugin identity


@hookspec(firstresult=True)
def plugin_info() -> PluginInfo:
    """Describe the plugin: the plugin API major version it targets, and a summary.

    Required of every plugin declared by an entry point. A plugin whose ``api`` differs
    from :data:`deeplake_core.plugins.PLUGIN_API` is refused with
    :class:`~deeplake_core.exceptions.IncompatiblePluginError`.

    :return: ``PluginInfo(api=1, description="...")`` or an equivalent mapping.

    .. versionadded:: 0.1 (plugin API 1)
    """


# ----------------------------------------------------------------- registry hooks


@hookspec
def register_htypes() -> Sequence[HtypeSpec]:
    """Return the htypes this plugin provides.

    Codec names an htype refers to (``default_sample_compression``,
    ``default_chunk_compression``, ``allowed_compressions``) and its ``base`` must be
    provided by some loaded plugin; this is checked once all plugins are collected.

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def register_codecs() -> Sequence[CodecSpec]:
    """Return the codecs (compressions) this plugin provides.

    ``impl`` names a class implementing ``ByteCodec`` or ``ArrayCodec``
    (:mod:`deeplake_core.codecs.base`); the registry imports and instantiates it on
    first use. One codec name means one byte format forever.

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def register_storage_providers() -> Sequence[StorageProviderSpec]:
    """Return the storage providers this plugin provides, with the URL schemes each
    serves. Two providers serving one scheme conflict like two specs of one name.

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def register_query_functions() -> Sequence[QueryFunctionSpec]:
    """Return the TQL functions this plugin provides (names matched case-insensitively).

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def register_schedulers() -> Sequence[SchedulerSpec]:
    """Return the transform schedulers this plugin provides.

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def register_vector_indexes() -> Sequence[VectorIndexSpec]:
    """Return the vector indexes this plugin provides.

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def register_ingest_sources() -> Sequence[IngestSourceSpec]:
    """Return the ingest sources (folder layouts, COCO, dataframes ...) this plugin provides.

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def register_integrations() -> Sequence[IntegrationSpec]:
    """Return the integrations (experiment trackers, model zoos ...) this plugin provides.

    .. versionadded:: 0.1 (plugin API 1)
    """


# ----------------------------------------------------------------- event hooks


@hookspec
def on_dataset_created(dataset: Any) -> None:
    """Called after a new dataset has been created and its first metadata written.

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def on_dataset_opened(dataset: Any) -> None:
    """Called after an existing dataset has been opened (loaded).

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def on_dataset_deleted(path: str) -> None:
    """Called after the dataset stored at ``path`` has been deleted.

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def on_commit(dataset: Any, commit_id: str, message: str | None) -> None:
    """Called after ``dataset`` has been committed as ``commit_id`` with ``message``.

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec
def on_checkout(dataset: Any, address: str) -> None:
    """Called after ``dataset`` has checked out ``address`` (a branch or commit id).

    .. versionadded:: 0.1 (plugin API 1)
    """


@hookspec(historic=True)
def on_configured(config: Any) -> None:
    """Called with the kernel configuration once it is set up.

    Historic: a plugin registered later (in-process, or unblocked) is called at once
    with every configuration emitted before it was registered.

    .. versionadded:: 0.1 (plugin API 1)
    """


#: Hooks returning specs, keyed by registry kind (see ``SPEC_KINDS``).
REGISTRY_HOOKS: dict[str, str] = {
    "htypes": "register_htypes",
    "codecs": "register_codecs",
    "storage_providers": "register_storage_providers",
    "query_functions": "register_query_functions",
    "schedulers": "register_schedulers",
    "vector_indexes": "register_vector_indexes",
    "ingest_sources": "register_ingest_sources",
    "integrations": "register_integrations",
}

#: Event hooks, called by :func:`deeplake_core.plugins.emit`.
EVENT_HOOKS: tuple[str, ...] = (
    "on_dataset_created",
    "on_dataset_opened",
    "on_dataset_deleted",
    "on_commit",
    "on_checkout",
    "on_configured",
)

#: Event hooks that replay for plugins registered after the call.
HISTORIC_HOOKS: frozenset[str] = frozenset({"on_configured"})

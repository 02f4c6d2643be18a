"""Entry module of the ``fsspec`` plugin: declares the provider specs only (cheap)."""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import PluginInfo, StorageProviderSpec

IMPL = "deeplake_core_fsspec.provider:FsspecProvider"


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="storage over fsspec filesystems")


@hookimpl
def register_storage_providers() -> list[StorageProviderSpec]:
    return [
        StorageProviderSpec(
            name="fsspec",
            schemes=frozenset({"memory", "ftp", "sftp", "ssh", "smb", "webdav"}),
            impl=IMPL,
            requires=("fsspec",),
            install_hint="pip install deeplake-core-fsspec (sftp/ssh also need paramiko)",
            description="fsspec filesystems: memory://, ftp://, sftp://, smb://, webdav://",
        ),
        StorageProviderSpec(
            name="fsspec.http",
            schemes=frozenset({"http", "https"}),
            impl=IMPL,
            requires=("fsspec",),
            install_hint="pip install 'deeplake-core-fsspec[http]'",
            supports_writes=False,
            supports_deletes=False,
            supports_listing=False,
            description="read-only datasets served over http(s) (no listing)",
        ),
        StorageProviderSpec(
            name="fsspec.archive",
            schemes=frozenset({"zip", "tar"}),
            impl=IMPL,
            requires=("fsspec",),
            supports_writes=False,
            supports_deletes=False,
            description="read-only datasets inside zip/tar archives (zip://ds::file.zip)",
        ),
    ]

"""deeplake-core: a database for AI data.

``import deeplake_core as deeplake`` is cheap: the public names below are resolved on
first access (PEP 562), and no plugin is discovered until something needs one.
"""

from __future__ import annotations

from deeplake_core._lazy import lazy_attributes

__version__ = "0.1.0"

#: public name -> "module:attribute". Add new public names here.
_LAZY: dict[str, str] = {
    # errors
    "exceptions": "deeplake_core.exceptions:",
    # plugins
    "plugins": "deeplake_core.plugins:",
    # random seed (deeplake.random.seed / get_seed)
    "random": "deeplake_core.core.seed:random",
    # Deep Lake 3 datasets
    "dataset": "deeplake_core.api.dataset:dataset",
    "empty": "deeplake_core.api.dataset:empty",
    "load": "deeplake_core.api.dataset:load",
    "exists": "deeplake_core.api.dataset:exists",
    "delete": "deeplake_core.api.dataset:delete",
    "rename": "deeplake_core.api.dataset:rename",
    "copy": "deeplake_core.api.dataset:copy",
    "deepcopy": "deeplake_core.api.dataset:deepcopy",
    "connect": "deeplake_core.api.dataset:connect",
    "list": "deeplake_core.api.dataset:list_datasets",
    "api": "deeplake_core.api:",
    "like": "deeplake_core.v4.api:like_any",
    "Tensor": "deeplake_core.core.tensor:Tensor",
    # dataloaders (deeplake.enterprise.DeepLakeDataLoader in the reference)
    "enterprise": "deeplake_core.loaders:",
    "experimental": "deeplake_core.experimental:",
    "DeepLakeDataLoader": "deeplake_core.loaders:DeepLakeDataLoader",
    # Deep Lake 4 datasets (docs/compat.md: `Dataset` is the v4 class; the v3 one is
    # deeplake_core.core.dataset.Dataset; `like` accepts both argument orders)
    "create": "deeplake_core.v4.api:create",
    "open": "deeplake_core.v4.api:open",
    "open_read_only": "deeplake_core.v4.api:open_read_only",
    "delete_async": "deeplake_core.v4.api:delete_async",
    "from_csv": "deeplake_core.v4.api:from_csv",
    "from_parquet": "deeplake_core.v4.api:from_parquet",
    "Dataset": "deeplake_core.v4.dataset:Dataset",
    "ReadOnlyDataset": "deeplake_core.v4.dataset:ReadOnlyDataset",
    "DatasetView": "deeplake_core.v4.dataset:DatasetView",
    "Column": "deeplake_core.v4.columns:Column",
    "ColumnView": "deeplake_core.v4.columns:ColumnView",
    "Row": "deeplake_core.v4.columns:Row",
    "RowView": "deeplake_core.v4.columns:RowView",
    "Schema": "deeplake_core.v4.columns:Schema",
    "SchemaView": "deeplake_core.v4.columns:SchemaView",
    "Metadata": "deeplake_core.v4.metadata:Metadata",
    "ReadOnlyMetadata": "deeplake_core.v4.metadata:ReadOnlyMetadata",
    "IndexingMode": "deeplake_core.v4.properties:IndexingMode",
    "Branch": "deeplake_core.v4.versioning:Branch",
    # version control (Deep Lake 4 objects over deeplake_core.core.vc)
    "Version": "deeplake_core.v4.versioning:Version",
    "History": "deeplake_core.v4.versioning:History",
    "Tag": "deeplake_core.v4.versioning:Tag",
    "Tags": "deeplake_core.v4.versioning:Tags",
    "TagView": "deeplake_core.v4.versioning:TagView",
    "TagsView": "deeplake_core.v4.versioning:TagsView",
    "TagNotFoundError": "deeplake_core.exceptions:TagNotFoundError",
    "ViewEntry": "deeplake_core.core.vc.saved_views:ViewEntry",
    "Branches": "deeplake_core.v4.versioning:Branches",
    "types": "deeplake_core.types:",
    # queries (TQL) and futures
    "query": "deeplake_core.v4.api:query",
    "query_async": "deeplake_core.v4.api:query_async",
    "explain_query": "deeplake_core.v4.api:explain_query",
    "prepare_query": "deeplake_core.v4.api:prepare_query",
    "Future": "deeplake_core.core.futures:Future",
    # transforms
    "compute": "deeplake_core.transform.functions:compute",
    "compose": "deeplake_core.transform.functions:compose",
    # samples: files, links, tiles
    "read": "deeplake_core.api.read:read",
    "link": "deeplake_core.api.link:link",
    "tiled": "deeplake_core.api.tiled:tiled",
    "link_tiled": "deeplake_core.api.link_tiled:link_tiled",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())

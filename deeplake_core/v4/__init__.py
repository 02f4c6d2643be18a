"""The Deep Lake 4 API face over the same engine as the Deep Lake 3 face.

``deeplake_core.create/open/open_read_only`` return :class:`Dataset`,
:class:`ReadOnlyDataset`; queries return :class:`DatasetView`; column types are in
``deeplake_core.types``. See ``docs/compat.md`` for how the two faces coexist.
"""

from deeplake_core.v4.api import (
    create,
    delete,
    delete_async,
    exists,
    explain_query,
    from_csv,
    from_parquet,
    like,
    open,
    open_read_only,
    prepare_query,
    query,
    query_async,
)
from deeplake_core.v4.columns import (
    Column,
    ColumnDefinition,
    ColumnDefinitionView,
    ColumnView,
    Row,
    RowView,
    Schema,
    SchemaView,
)
from deeplake_core.v4.dataset import Dataset, DatasetView, ReadOnlyDataset
from deeplake_core.v4.metadata import Metadata, ReadOnlyMetadata
from deeplake_core.v4.properties import IndexingMode

__all__ = [
    "Column",
    "ColumnDefinition",
    "ColumnDefinitionView",
    "ColumnView",
    "Dataset",
    "DatasetView",
    "IndexingMode",
    "Metadata",
    "ReadOnlyDataset",
    "ReadOnlyMetadata",
    "Row",
    "RowView",
    "Schema",
    "SchemaView",
    "create",
    "delete",
    "delete_async",
    "exists",
    "explain_query",
    "from_csv",
    "from_parquet",
    "like",
    "open",
    "open_read_only",
    "prepare_query",
    "query",
    "query_async",
]

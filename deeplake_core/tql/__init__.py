"""The Tensor Query Language (TQL): parser, planner and vectorised executor.

```python
from deeplake_core.tql import ArraySource, execute
src = ArraySource({"labels": labels, "embedding": embeddings})
result = execute("SELECT * WHERE labels == 3 ORDER BY RANDOM() LIMIT 10", src, seed=0)
result.indices      # rows of the source, in result order
```

The engine reads columns through :class:`QuerySource`; the dataset layer adapts a
dataset or view to it and builds a view over ``QueryResult.indices``. Functions
(``CONTAINS``, ``COSINE_SIMILARITY`` ...) come from query-function plugins.
"""

from deeplake_core.exceptions import TQLError, TQLSyntaxError
from deeplake_core.tql.api import (
    PreparedQuery,
    evaluate,
    execute,
    explain,
    filter_indices,
    prepare,
)
from deeplake_core.tql.executor import QueryResult
from deeplake_core.tql.functions import CallContext, function_names, resolve_function
from deeplake_core.tql.parser import parse, parse_expression
from deeplake_core.tql.planner import Plan
from deeplake_core.tql.source import ArraySource, ColumnInfo, QuerySource

__all__ = [
    "ArraySource",
    "CallContext",
    "ColumnInfo",
    "Plan",
    "PreparedQuery",
    "QueryResult",
    "QuerySource",
    "TQLError",
    "TQLSyntaxError",
    "evaluate",
    "execute",
    "explain",
    "filter_indices",
    "function_names",
    "parse",
    "parse_expression",
    "prepare",
    "resolve_function",
]

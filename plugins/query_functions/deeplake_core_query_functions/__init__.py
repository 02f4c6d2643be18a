"""TQL functions for deeplake-core.

Installed, the package registers ``CONTAINS``, ``RANDOM``, ``SHAPE``, ``ALL``,
``ALL_STRICT``, ``ANY``, ``LOGICAL_AND``, ``LOGICAL_OR``, ``COSINE_SIMILARITY``,
``L2_NORM``, ``L1_NORM``, ``LINF_NORM`` and ``MAX_WEIGHT`` through the
``deeplake_core`` entry point ``query_functions``
(:mod:`deeplake_core_query_functions._plugin`); implementations live in
:mod:`deeplake_core_query_functions.functions` and load on first use.
"""

__version__ = "0.1.0"

"""Entry module: declares the query functions. Imports nothing but the plugin API;
the implementations (numpy) are named by import strings and loaded on first use."""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import PluginInfo, QueryFunctionSpec

_IMPL = "deeplake_core_query_functions.functions"


def _spec(name: str, description: str, *arg_types: str, **fields: object) -> QueryFunctionSpec:
    attr = f"{name}_" if name in ("all", "any") else name  # not to shadow the builtins
    return QueryFunctionSpec(
        name=name,
        impl=f"{_IMPL}:{attr}",
        arg_types=arg_types,
        description=description,
        **fields,  # type: ignore[arg-type]
    )


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="TQL functions")


@hookimpl
def register_query_functions() -> list[QueryFunctionSpec]:
    return [
        _spec(
            "contains",
            "whether a sample holds a value (class names, text, json)",
            "any",
            "scalar",
            return_type="bool",
        ),
        _spec(
            "random",
            "a uniform random number per row (ORDER BY RANDOM())",
            return_type="number",
            deterministic=False,
        ),
        _spec("shape", "the shape of each sample as an array", "any", return_type="array"),
        _spec(
            "all", "true when every element is true (true when empty)", "array", return_type="bool"
        ),
        _spec("all_strict", "like ALL, but false when empty", "array", return_type="bool"),
        _spec("any", "true when some element is true", "array", return_type="bool"),
        _spec(
            "logical_and",
            "elementwise AND; false when sizes differ",
            "array",
            "array",
            return_type="array",
        ),
        _spec(
            "logical_or",
            "elementwise OR; false when sizes differ",
            "array",
            "array",
            return_type="array",
        ),
        _spec(
            "cosine_similarity",
            "cosine similarity of two vectors",
            "array",
            "array",
            return_type="number",
        ),
        _spec(
            "l2_norm",
            "euclidean norm of a vector, or distance of two",
            "array",
            variadic=True,
            return_type="number",
        ),
        _spec(
            "l1_norm",
            "sum of absolute values, or manhattan distance of two",
            "array",
            variadic=True,
            return_type="number",
        ),
        _spec(
            "linf_norm",
            "largest absolute value, or chebyshev distance of two",
            "array",
            variadic=True,
            return_type="number",
        ),
        _spec(
            "max_weight",
            "sample_by weights: the largest weight whose condition holds",
            "pair",
            variadic=True,
            return_type="number",
        ),
    ]

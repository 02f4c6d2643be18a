"""``deeplake.core.transform`` (reference module path): the transform classes."""

from deeplake_core.transform import ComputeFunction, Pipeline, TransformDataset, compose, compute

__all__ = ["ComputeFunction", "Pipeline", "TransformDataset", "compose", "compute"]

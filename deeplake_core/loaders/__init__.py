"""Dataloaders: stream dataset views into training (numpy, PyTorch, TensorFlow).

The loader core (planning, threaded chunk fetching, worker processes, collate,
resumable state) does not import torch or tensorflow; :mod:`.torch` and :mod:`.tf`
are imported only by the methods that return their types.
"""

from deeplake_core.loaders.core import Loader, LoaderConfig
from deeplake_core.loaders.dataloader import DeepLakeDataLoader
from deeplake_core.loaders.mixin import LoaderMixin

__all__ = ["DeepLakeDataLoader", "Loader", "LoaderConfig", "LoaderMixin"]

"""The chunk engine: a tensor's samples stored as immutable chunks on a StorageProvider.

``TensorEngine`` is the whole public surface used by the Dataset/Tensor layer; the byte
formats are described in docs/format.md.
"""

from deeplake_core.core.engine.engine import EncodedSample, EngineStats, TensorEngine
from deeplake_core.core.engine.meta import DEFAULT_MAX_CHUNK_SIZE, TensorMeta

__all__ = ["DEFAULT_MAX_CHUNK_SIZE", "EncodedSample", "EngineStats", "TensorEngine", "TensorMeta"]

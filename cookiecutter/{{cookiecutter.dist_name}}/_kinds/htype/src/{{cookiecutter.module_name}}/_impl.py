"""Implementation of the ``{{ cookiecutter.__spec_name }}`` htype, imported on first use.

Heavy imports (numpy here; a decoder or an SDK in a real plugin) belong in modules
like this one, never in the entry module ``_plugin.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import numpy as np
from deeplake_core.exceptions import DeepLakeCoreError
from deeplake_core.htype import HtypeBehavior, TensorConfig
from pydantic import BaseModel, ConfigDict, Field, StrictInt

DEFAULT_BIT_DEPTH = 12


class {{ cookiecutter.__class_name }}Args(BaseModel):
    """Creation arguments of the htype (``create_tensor(..., bit_depth=10)``)."""

    model_config = ConfigDict(extra="forbid")

    #: Bits per value: samples may hold values in ``[0, 2**bit_depth)``.
    bit_depth: Annotated[StrictInt, Field(ge=1, le=16)] = DEFAULT_BIT_DEPTH


class {{ cookiecutter.__class_name }}ValueError(DeepLakeCoreError):
    """A sample holds a value that does not fit in the tensor's ``bit_depth``."""

    def __init__(self, value: int, bit_depth: int):
        self.value = value
        self.bit_depth = bit_depth
        super().__init__(
            f"value {value} does not fit in {bit_depth} bits (largest allowed: "
            f"{(1 << bit_depth) - 1}); rescale the sample or create the tensor with a "
            "larger bit_depth"
        )


class {{ cookiecutter.__class_name }}Behavior(HtypeBehavior):
    """Checks what the spec's fields cannot express. The kernel has already cast the
    samples to ``uint16`` and checked that each one is 2-D."""

    def check_array(
        self, cfg: TensorConfig, array: np.ndarray, batched: bool, info: Mapping[str, Any]
    ) -> None:
        if array.size == 0:
            return
        bit_depth = int(info.get("bit_depth", cfg.info.get("bit_depth", DEFAULT_BIT_DEPTH)))
        largest = int(array.max())  # vectorised: one pass over the whole batch
        if largest >= 1 << bit_depth:
            raise {{ cookiecutter.__class_name }}ValueError(largest, bit_depth)

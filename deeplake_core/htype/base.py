"""The code side of an htype.

An :class:`~deeplake_core.plugins.specs.HtypeSpec` describes an htype with data
(dtype, ranks, compressions, creation arguments). What data cannot say lives in a
subclass of :class:`HtypeBehavior`, named by the spec's ``behavior`` import string and
instantiated once, with no arguments, on first use. Every method has a neutral
default, so a subclass overrides only what it needs.

Order of calls when samples are written (:func:`deeplake_core.htype.coerce_samples`):
``prepare`` on the whole batch, then per-sample conversion and the generic checks
(dtype rule, ``sample_ndim``, ``last_dim``), then ``check_array`` (or ``encode`` for
htypes that store their own byte form), then ``info`` receives ``prepare``'s updates.
On read (:func:`deeplake_core.htype.present`): ``decode`` for byte forms, then ``data``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from deeplake_core.htype.config import TensorConfig


class HtypeBehavior:
    """Checks and conversions of one htype. Subclass and override as needed."""

    #: The user must choose ``sample_compression`` or ``chunk_compression`` (``None``
    #: is a valid choice) when the spec declares no default (image, video ...).
    compression_required: bool = False
    #: Samples are stored in a byte form of the htype's own (``encode``/``decode``,
    #: ``logical_shape``) instead of as arrays; polygons, for instance.
    encodes_samples: bool = False
    #: ``numpy()`` always returns a list (samples are not rectangular arrays).
    numpy_aslist: bool = False

    def check_creation_args(self, htype: str, args: dict[str, Any]) -> dict[str, Any]:
        """Validate and normalise creation arguments (after the spec's pydantic model).

        Raise :class:`~deeplake_core.exceptions.TensorMetaInvalidHtypeOverwriteValue`
        for a bad value; return the arguments to keep in the tensor's info.
        """
        return args

    def prepare(
        self, cfg: TensorConfig, samples: Any, info: Mapping[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        """Rewrite a batch before conversion; return ``(samples, info_updates)``.

        ``samples`` is an ndarray batch or a list of samples; ``info`` must not be
        modified: the updates returned are applied only if the whole batch succeeds.
        """
        return samples, {}

    def check_array(
        self, cfg: TensorConfig, array: np.ndarray, batched: bool, info: Mapping[str, Any]
    ) -> None:
        """Check converted data beyond ``sample_ndim``/``last_dim``; raise on error.

        ``batched``: axis 0 of ``array`` indexes samples. ``info`` is the tensor's
        current info (``coords`` may have been updated since creation). Keep it
        vectorised.
        """

    def encode(self, cfg: TensorConfig, sample: Any, dtype: np.dtype | None) -> np.ndarray:
        """Turn one sample into its stored 1-D ``uint8`` form (``encodes_samples``)."""
        raise TypeError(f"htype {cfg.base_htype!r} does not encode samples")

    def decode(self, cfg: TensorConfig, stored: np.ndarray) -> Any:
        """Invert :meth:`encode`; the result is the sample's ``numpy()`` value."""
        raise TypeError(f"htype {cfg.base_htype!r} does not decode samples")

    def logical_shape(self, cfg: TensorConfig, stored: np.ndarray) -> tuple[int, ...]:
        """Shape reported for a stored sample (``encodes_samples``)."""
        return tuple(stored.shape)

    def data(
        self,
        cfg: TensorConfig,
        value: Any,
        info: Mapping[str, Any],
        extras: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The ``data()`` form, given the ``numpy()`` value of the samples read.

        ``extras`` carries what the caller read beside the samples (``sample_info``,
        ``timestamps`` ...), for htypes whose ``data()`` includes it.
        """
        return {"value": value}
